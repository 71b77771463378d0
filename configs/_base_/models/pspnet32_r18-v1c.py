# PSPNet head on a plain stride-32 ResNetV1c-18 (the backbone HCPSPNet clusters).
_base_ = ['mmseg::_base_/models/pspnet_r50-d8.py']
model = dict(
    pretrained=None,
    backbone=dict(depth=18, dilations=(1, 1, 1, 1), strides=(1, 2, 2, 2)),
    decode_head=dict(in_channels=512, channels=128),
    auxiliary_head=dict(in_channels=256, channels=64),
)
