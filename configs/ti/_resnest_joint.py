# Joint fine-tuning of ResNeSt-101 (DeepLabV3 head, as PyTorch-Encoding's ResNeSt models)
# with the superpixel FCN (paper, Sec. 4.2, Tables 5-6): SGD, momentum 0.9, weight decay
# 5e-4, LR 1e-6 for the networks and 1e-9 for the TI layers, batch 8, 100 epochs.
_base_ = [
    'mmseg::_base_/models/deeplabv3_r50-d8.py',
    'mmseg::_base_/schedules/schedule_160k.py',
    '../_base_/segplug_runtime.py',
    './_joint.py',
]
model = dict(
    type='JointSuperpixelSegmentor',
    pretrained=None,
    # MMSegmentation's ResNeSt-101 settings (configs/resnest)
    backbone=dict(
        type='ResNeSt',
        stem_channels=128,
        radix=2,
        reduction_factor=4,
        avg_down_stride=True,
        depth=101,
    ),
    superpixel_net={{_base_.superpixel_net}},
    superpixel_loss=dict(loss_weight=1.0, m=0.003),
)
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=1e-6, momentum=0.9, weight_decay=5e-4),
    paramwise_cfg=dict(custom_keys={'fusion': dict(lr_mult=1e-3)}),
)
param_scheduler = []
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
# set by the dataset configs' children (bases may not share keys): batch 2 per GPU,
# IoUMetric + BoundaryMetric, as in ti-resnest_*.py
# segplug's atomic checkpoints (configs/_base_/segplug_runtime.py says why)
default_hooks = dict(checkpoint=dict(type='SafeCheckpointHook'))
