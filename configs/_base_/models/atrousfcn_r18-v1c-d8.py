# AtrousFCN: the FCN head on a dilated (stride-8) ResNetV1c-18: conv4_x and conv5_x atrous.
_base_ = ['mmseg::_base_/models/fcn_r50-d8.py']
model = dict(
    pretrained=None,
    backbone=dict(depth=18),
    decode_head=dict(in_channels=512, channels=256),
    auxiliary_head=dict(in_channels=256, channels=64),
)
