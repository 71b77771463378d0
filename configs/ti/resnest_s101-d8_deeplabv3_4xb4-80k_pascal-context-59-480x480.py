# Table 6 baseline: ResNeSt-101 (DeepLabV3 head) on PASCAL Context 59, 81.91 pixAcc / 56.49
# mIoU (multi-scale) in the paper, quoted from the ResNeSt paper (PyTorch-Encoding).
# MMSegmentation has no ResNeSt Context config; this is its DeepLabV3 Context-59 recipe (80k
# iterations, 4 x 4, lr 0.004, weight decay 1e-4) with the ResNeSt-101 backbone; evaluate
# with --tta. The pretrained segmenter of
# ti-resnest_s101-d8_deeplabv3_4xb2-62k_pascal-context-59-480x480.py.
_base_ = [
    'mmseg::_base_/models/deeplabv3_r50-d8.py',
    '../_base_/datasets/pascal_context_59.py',
    'mmseg::_base_/schedules/schedule_80k.py',
    '../_base_/segplug_runtime.py',
]
model = dict(
    pretrained='open-mmlab://resnest101',  # offline: a local resnest101 .pth
    data_preprocessor=dict(size=(480, 480)),
    backbone=dict(
        type='ResNeSt',
        stem_channels=128,
        radix=2,
        reduction_factor=4,
        avg_down_stride=True,
        depth=101,
    ),
    decode_head=dict(num_classes=59),
    auxiliary_head=dict(num_classes=59),
    test_cfg=dict(mode='slide', crop_size=(480, 480), stride=(320, 320)),
)
train_dataloader = dict(batch_size=4)
optim_wrapper = dict(optimizer=dict(lr=0.004, weight_decay=1e-4))
param_scheduler = [dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=80000, by_epoch=False)]
# segplug's atomic checkpoints (configs/_base_/segplug_runtime.py says why)
default_hooks = dict(checkpoint=dict(type='SafeCheckpointHook'))
