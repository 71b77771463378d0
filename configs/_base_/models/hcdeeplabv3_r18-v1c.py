# HCDeepLabv3: DeepLabv3's ASPP head on HC-ResNet-18 (stride 32), decoded through the
# clusters. The ASPP dilations (12, 24, 36) are kept as the paper keeps them.
_base_ = ['mmseg::_base_/models/deeplabv3_r50-d8.py']
model = dict(
    type='HCEncoderDecoder',
    pretrained=None,
    backbone=dict(
        type='HCResNet', depth=18, dilations=(1, 1, 1, 1), strides=(1, 2, 2, 2), hc_levels=2
    ),
    decode_head=dict(in_channels=512, channels=128),
    auxiliary_head=dict(in_channels=256, channels=64),
)
