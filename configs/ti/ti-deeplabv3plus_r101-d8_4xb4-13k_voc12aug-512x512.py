# Table 4, "Ours" ResNet-101 (SP + TI): 79.22 / 76.98 mIoU (512^2 / full size) over
# DeepLabV3+ 78.85 / 76.47. Pretrained weights from local files (no model hub):
#   load_from: a DeepLabV3+ R-101 VOC checkpoint (backbone.* / decode_head.* keys);
#   the superpixel FCN: spixelfcn_1xb8-1k_bsds500-208x208.py's checkpoint, e.g.
#   model.superpixel_net.init_cfg (the three --cfg-options in _joint.py).
_base_ = ['./_voc12aug_joint.py']
model = dict(backbone=dict(depth=101))
# the pretrained semantic model, a local file (no model hub), e.g.
#   --cfg-options load_from=checkpoints/deeplabv3plus_r101-d8_voc12aug.pth
load_from = None
