# Table 4 "Ours" ResNet-152, SP + TI with MS-COCO pretraining: 83.39 / 81.37 mIoU (512^2 /
# full size) over the COCO-pretrained DeepLabV3+'s 82.62 / 80.76. The same fine-tuning as
# ti-deeplabv3plus_r152-d8_4xb4-13k_voc12aug-512x512.py, from the COCO-pretrained segmenter
# (deeplabv3plus_r152-d8_4xb4-40k_coco-voc12aug-512x512.py's checkpoint) joined with the
# superpixel FCN by tools/join_checkpoints.py:  --cfg-options load_from=joined_coco_r152.pth
_base_ = ['./ti-deeplabv3plus_r152-d8_4xb4-13k_voc12aug-512x512.py']
