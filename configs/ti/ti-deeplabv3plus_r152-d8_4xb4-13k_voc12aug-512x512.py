# Table 4, "Ours" ResNet-152: SP + TI 79.94 / 78.94 mIoU (512^2 / full) over DeepLabV3+
# 79.32 / 77.78; with MS-COCO pretraining 83.39 / 81.37 over 82.62 / 80.76.
# Pretrained weights from local files, as the R-101 config.
_base_ = ['./_voc12aug_joint.py']
model = dict(backbone=dict(depth=152))
# the pretrained semantic model, a local file (no model hub), e.g.
#   --cfg-options load_from=checkpoints/deeplabv3plus_r152-d8_voc12aug.pth
load_from = None
