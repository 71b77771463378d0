# Table 4 baseline: DeepLabV3+ (ResNet-101) on PASCAL VOC 2012 aug, 78.85 / 76.47 mIoU
# (512^2 / full size) in the paper, which trained it with jfzhang95/pytorch-deeplab-xception;
# this is MMSegmentation's model with the paper's schedule (Sec. 4.2, "Learning Details"):
# SGD momentum 0.9, weight decay 5e-4, poly, 60 epochs of 10,582 images at batch 16 (40k
# iterations), 512x512 crops, LR 0.007 for the ResNet and 0.07 for ASPP and decoder.
# The auxiliary FCN head is MMSegmentation's (the paper is silent); as a new head it takes
# the heads' rate. Audit: docs/reproduce.md, "TI protocol".
_base_ = [
    'mmseg::_base_/models/deeplabv3plus_r50-d8.py',
    '../_base_/datasets/pascal_voc12_aug.py',
    'mmseg::_base_/schedules/schedule_40k.py',
    '../_base_/segplug_runtime.py',
]
model = dict(
    # "ResNet which was pretrained on ImageNet and is accessible in PyTorch model zoo"
    # (Sec. 4.2): torchvision's ResNet-101, plain stem (offline: a local resnet101-*.pth)
    pretrained='torchvision://resnet101',
    data_preprocessor=dict(size=(512, 512)),
    backbone=dict(type='ResNet', depth=101),
    decode_head=dict(num_classes=21),
    auxiliary_head=dict(num_classes=21),
)
train_dataloader = dict(batch_size=4)
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.007, momentum=0.9, weight_decay=5e-4),
    paramwise_cfg=dict(
        custom_keys={'decode_head': dict(lr_mult=10.0), 'auxiliary_head': dict(lr_mult=10.0)}
    ),
)
param_scheduler = [dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=40000, by_epoch=False)]
# segplug's atomic checkpoints (configs/_base_/segplug_runtime.py says why)
default_hooks = dict(checkpoint=dict(type='SafeCheckpointHook'))
