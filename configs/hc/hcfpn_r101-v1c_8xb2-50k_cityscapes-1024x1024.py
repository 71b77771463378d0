# hcfpn (HC paper Table 3: HCFPN 77.2 mIoU, 92.9 ms; RTX 8000, single scale, val set).
# ResNet-101 backbone; ImageNet weights from MMSegmentation's open-mmlab://resnet101_v1c
# (offline: model.pretrained=/path/to/resnet101_v1c.pth). MMSegmentation's FPN widths;
# PSPNet's auxiliary loss (Sec. 4.1).
_base_ = ['../_base_/models/hcfpn_r18-v1c.py', './_cityscapes_schedule.py']
model = dict(
    pretrained='open-mmlab://resnet101_v1c',
    data_preprocessor=dict(size=(1024, 1024)),
    backbone=dict(depth=101),
    neck=dict(in_channels=[256, 512, 1024, 2048], out_channels=256),
    decode_head=dict(in_channels=[256, 256, 256, 256], channels=128, num_classes=19),
    # Sec. 4.1: every model has "the same auxiliary loss as PSPNet" (an FCN head, weight
    # 0.4, on the conv4_x stage). With a neck, MMSegmentation's heads see the neck's levels:
    # this one reads the stride-16 level, which carries conv4_x.
    auxiliary_head=dict(
        type='FCNHead',
        in_channels=256,
        in_index=2,
        channels=256,
        num_convs=1,
        concat_input=False,
        dropout_ratio=0.1,
        num_classes=19,
        norm_cfg=dict(type='SyncBN', requires_grad=True),
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.4),
    ),
)
