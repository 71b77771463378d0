# Table 4 baseline with MS-COCO pretraining: DeepLabV3+ (ResNet-152) pretrained on MS-COCO, then
# trained on PASCAL VOC 2012 aug: 82.62 / 80.76 mIoU (512^2 / full size) in the paper.
# segplug has no COCO stage: start this VOC training from a COCO-pretrained DeepLabV3+ R-152
# checkpoint of your own (a local file; keys backbone.* / decode_head.*), e.g.
#   --cfg-options load_from=checkpoints/deeplabv3plus_r152-d8_coco.pth
# (a COCO model with 21 VOC classes, as DeepLab's COCO pretraining, loads as it is; with
# other classes its class layers are skipped with a warning and learnt here).
_base_ = ['./deeplabv3plus_r152-d8_4xb4-40k_voc12aug-512x512.py']
load_from = None
