# HC paper's Cityscapes protocol (Sec. 4.1-4.2): fine train set; random resize 0.5-2.0,
# 1024x1024 crops and flip, no other augmentation; batch 16 (8 GPUs x 2); SGD lr 0.01
# momentum 0.9; poly 0.9 to zero, (1 - iter/max_iter)^0.9; 50k iterations; PSPNet-style
# auxiliary loss; single-scale 1024x2048 whole-image test (Table 3), multi-scale with --tta
# (Table 2). The audit against the paper: docs/reproduce.md, "HC protocol".
_base_ = [
    'mmseg::_base_/datasets/cityscapes_1024x1024.py',
    'mmseg::_base_/schedules/schedule_80k.py',
    '../_base_/segplug_runtime.py',
]
crop_size = (1024, 1024)
train_pipeline = [  # MMSegmentation's, less PhotoMetricDistortion (not in Sec. 4.1)
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomResize', scale=(2048, 1024), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(batch_size=2, num_workers=4, dataset=dict(pipeline=train_pipeline))
max_iters = 50000
param_scheduler = [
    dict(type='PolyLR', eta_min=0.0, power=0.9, begin=0, end=max_iters, by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=5000)
default_hooks = dict(checkpoint=dict(type='SafeCheckpointHook', interval=5000))
