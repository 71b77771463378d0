# Table 4 "Ours" ResNet-152, SP + TI with MS-COCO pretraining: 83.39 / 81.37 mIoU (512^2 /
# full size) over the COCO-pretrained DeepLabV3+'s 82.62 / 80.76. The same fine-tuning as
# ti-deeplabv3plus_r152-d8_4xb4-13k_voc12aug-512x512.py, from the SP model trained from the
# COCO-pretrained segmenter, as the paper's rows do (Sec. 4.2-4.3):
#   1. SP stage: sp-deeplabv3plus_r152-d8_4xb4-40k_voc12aug-512x512.py
#      --cfg-options load_from=COCO_DLV3P_R152.pth (superpixel FCN as in the other SP rows)
#   2. this config: --cfg-options load_from=SP_STAGE.pth
# Joining the COCO segmenter and the superpixel FCN with tools/join_checkpoints.py and
# fine-tuning that skips stage 1: a shortcut, not the paper's row.
_base_ = ['./ti-deeplabv3plus_r152-d8_4xb4-13k_voc12aug-512x512.py']
