# FPN (MMSegmentation's FPN neck + FPNHead) on ResNetV1c-18.
_base_ = ['mmseg::_base_/models/fpn_r50.py']
model = dict(
    pretrained=None,
    backbone=dict(depth=18),
    neck=dict(in_channels=[64, 128, 256, 512], out_channels=128),
    decode_head=dict(in_channels=[128, 128, 128, 128], channels=64),
)
