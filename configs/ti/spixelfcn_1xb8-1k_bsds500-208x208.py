# Superpixel FCN (Yang et al., CVPR 2020) pretrained on BSDS500 train + val with Eq. 1 on
# one-hot region labels (a random annotator per sample), cell size 16, 208x208 crops.
# The reference trains 3M iterations with Adam (lr 5e-5, batch 8): this is a CPU-sized run.
# Scored on val by SuperpixelMetric (ASA, boundary recall) against every annotator, in the
# literature's protocol (SuperpixelMetric's default).
# segplug's data check opens the images only (BSDS500Dataset.label_maps = False: its labels
# are .mat region annotations, turned into 50 region ids by BSDSRegionLabels).
_base_ = ['../_base_/segplug_runtime.py', '../_base_/schedules/adamw_poly.py']
data_root = 'data/bsds500'
max_iters = 1000
model = dict(
    type='SuperpixelNetSegmentor',
    data_preprocessor=dict(
        type='SegDataPreProcessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_val=0,
        seg_pad_val=255,
        size=(208, 208),
    ),
    superpixel_net=dict(type='SuperpixelFCN', base_channels=16, cell_size=16),
    num_labels=50,
    m=0.003,
)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadBSDSAnnotations'),
    dict(type='BSDSRegionLabels', num_labels=50),
    dict(type='RandomCrop', crop_size=(208, 208)),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadBSDSAnnotations'),
    dict(type='PackSegInputs'),
]

train_sets = [
    dict(
        type='BSDS500Dataset',
        data_root=data_root,
        pipeline=train_pipeline,
        data_prefix=dict(img_path=f'images/{split}', seg_map_path=f'groundTruth/{split}'),
    )
    for split in ('train', 'val')
]
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type='ConcatDataset', datasets=train_sets),
)
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type='BSDS500Dataset',
        data_root=data_root,
        pipeline=test_pipeline,
        data_prefix=dict(img_path='images/val', seg_map_path='groundTruth/val'),
    ),
)
test_dataloader = val_dataloader
val_evaluator = dict(type='SuperpixelMetric')  # the literature's protocol: 1 px, two-sided, square
test_evaluator = val_evaluator
optim_wrapper = dict(optimizer=dict(lr=5e-4, weight_decay=1e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, begin=0, end=50, by_epoch=False),
    dict(type='PolyLR', eta_min=1e-5, power=0.9, begin=50, end=max_iters, by_epoch=False),
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(
    checkpoint=dict(interval=max_iters), visualization=dict(type='SegVisualizationHook', draw=False)
)
custom_hooks = [
    dict(type='DataCheckHook'),
    dict(type='NaNGuardHook'),
    dict(type='EvalProgressHook'),
    dict(type='RandomStateHook'),
]
