# fpn (HC paper Table 3: FPN 75.1 mIoU, 82.0 ms; RTX 8000, single scale, val set).
# ResNet-101 backbone; ImageNet weights from MMSegmentation's open-mmlab://resnet101_v1c
# (offline: model.pretrained=/path/to/resnet101_v1c.pth). MMSegmentation's FPN widths.
_base_ = ['../_base_/models/fpn_r18-v1c.py', './_cityscapes_schedule.py']
model = dict(
    pretrained='open-mmlab://resnet101_v1c',
    data_preprocessor=dict(size=(1024, 1024)),
    backbone=dict(depth=101),
    neck=dict(in_channels=[256, 512, 1024, 2048], out_channels=256),
    decode_head=dict(in_channels=[256, 256, 256, 256], channels=128, num_classes=19))
