# Stage 1 of the CamVid comparison: the base DeepLabV3+ (ResNetV1c-18, from scratch: no
# ImageNet weights can be fetched here). Its checkpoint is the pretrained model of stage 2.
# Stride 32 (no dilation, ASPP rates scaled down to the 8x8 feature map of a 256 crop) so
# that it trains on 2 shared CPU cores; the dilated stride-8 version was >15 s/iteration.
_base_ = ['mmseg::_base_/models/deeplabv3plus_r50-d8.py', './_camvid_schedule.py']
norm_cfg = dict(type='BN', requires_grad=True)
max_iters = 400
model = dict(
    pretrained=None,
    data_preprocessor=dict(size=(256, 256)),
    backbone=dict(depth=18, norm_cfg=norm_cfg, dilations=(1, 1, 1, 1), strides=(1, 2, 2, 2)),
    decode_head=dict(
        in_channels=512,
        channels=128,
        c1_in_channels=64,
        c1_channels=48,
        dilations=(1, 2, 3, 4),
        num_classes=11,
        norm_cfg=norm_cfg,
    ),
    auxiliary_head=dict(in_channels=256, channels=64, num_classes=11, norm_cfg=norm_cfg),
)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, begin=0, end=50, by_epoch=False),
    dict(type='PolyLR', eta_min=1e-5, power=0.9, begin=50, end=max_iters, by_epoch=False),
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=max_iters))
