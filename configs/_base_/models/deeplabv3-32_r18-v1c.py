# DeepLabv3's ASPP head on a plain stride-32 ResNetV1c-18 (the backbone HCDeepLabv3
# clusters): the speed ceiling of HCDeepLabv3 in benchmarks/hc_speed.py.
_base_ = ['mmseg::_base_/models/deeplabv3_r50-d8.py']
model = dict(
    pretrained=None,
    backbone=dict(depth=18, dilations=(1, 1, 1, 1), strides=(1, 2, 2, 2)),
    decode_head=dict(in_channels=512, channels=128),
    auxiliary_head=dict(in_channels=256, channels=64),
)
