# DeepLabV3+ on EfficientNet-Lite0 started from ImageNet-1k (the packaged weights, as
# fcn32_efflite0-in1k.py), stride 32 (no dilation): the segmenter of the ImageNet-start
# comparisons of CPP, UOI and TI on CamVid (issue 34).
# timm's levels 1-4 only (strides 4/8/16/32, channels 24/40/112/320), because MMSegmentation's
# DepthwiseSeparableASPPHead takes its low-level branch from inputs[0]: stride 4, as in the
# DeepLabV3+ paper. ASPP on the stride-32 map (320 channels), rates scaled down to the 8x8 map
# of a 256 crop as in configs/ti/deeplabv3plus_r18-v1c_...; the FCN auxiliary head on the
# stride-16 map (112 channels). The head widths (128 / 48 / 64) were chosen for 2 CPU cores.
_base_ = ['mmseg::_base_/models/deeplabv3plus_r50-d8.py']
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
    decode_head=dict(
        in_channels=320,
        in_index=3,
        channels=128,
        dilations=(1, 2, 3, 4),
        c1_in_channels=24,
        c1_channels=48,
    ),
    auxiliary_head=dict(in_channels=112, in_index=2, channels=64),
)
