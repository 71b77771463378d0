# FCN-32: MMSegmentation's FCN head on a plain stride-32 ResNetV1c-18 (no dilation).
# No pretrained weights by default (no model hub here); to start from ImageNet weights, set
# model.backbone.init_cfg=dict(type='Pretrained', checkpoint='/path/to/resnet18_v1c.pth').
_base_ = ['mmseg::_base_/models/fcn_r50-d8.py']
model = dict(
    pretrained=None,
    backbone=dict(depth=18, dilations=(1, 1, 1, 1), strides=(1, 2, 2, 2)),
    decode_head=dict(in_channels=512, channels=256),
    auxiliary_head=dict(in_channels=256, channels=64),
)
