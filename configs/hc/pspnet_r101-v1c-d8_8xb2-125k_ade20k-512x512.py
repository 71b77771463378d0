# pspnet (HC paper Table 4: PSPNet 42.53 mIoU, 48.74 ms; RTX 8000, single scale, val set).
# ResNet-101 backbone; ImageNet weights from MMSegmentation's open-mmlab://resnet101_v1c
# (offline: model.pretrained=/path/to/resnet101_v1c.pth).
_base_ = ['../_base_/models/pspnet_r18-v1c-d8.py', './_ade20k_schedule.py']
model = dict(
    pretrained='open-mmlab://resnet101_v1c',
    data_preprocessor=dict(size=(512, 512)),
    backbone=dict(depth=101),
    decode_head=dict(in_channels=2048, channels=512, num_classes=150),
    auxiliary_head=dict(in_channels=1024, channels=256, num_classes=150),
)
