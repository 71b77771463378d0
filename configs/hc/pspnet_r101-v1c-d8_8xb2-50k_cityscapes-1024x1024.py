# pspnet (HC paper Tables 2-3: PSPNet 77.7 mIoU, 298.7 ms; RTX 8000, single scale, val set).
# ResNet-101 backbone; ImageNet weights from MMSegmentation's open-mmlab://resnet101_v1c
# (offline: model.pretrained=/path/to/resnet101_v1c.pth).
_base_ = ['../_base_/models/pspnet_r18-v1c-d8.py', './_cityscapes_schedule.py']
model = dict(
    pretrained='open-mmlab://resnet101_v1c',
    data_preprocessor=dict(size=(1024, 1024)),
    backbone=dict(depth=101),
    decode_head=dict(in_channels=2048, channels=512, num_classes=19),
    auxiliary_head=dict(in_channels=1024, channels=256, num_classes=19),
)
