# SSN (Jampani et al., ECCV 2018) on BSDS500 as the HC paper trains it (Sec. 4.3): BSDS500
# train split, pixel features of dimension 20, 169 superpixels and 5 differentiable SLIC
# iterations in training, 10 at test; Adam, lr 5e-5 with cosine decay to 5e-7, 300k
# iterations, batch 8, 208x208 random crops, horizontal flip. Region labels: one annotator
# at random per sample, one-hot over 50 labels (region ids beyond 50 ignored).
# Scored on val (the test split is not here) by SuperpixelMetric (ASA, BR, UE; the
# literature's protocol) at test_cfg.num_superpixels = 600: cells of 16 px on BSDS500's
# 481x321, a 31x21 grid, the superpixel FCN's at its native size.
_base_ = ['../_base_/segplug_runtime.py', '../_base_/schedules/adamw_poly.py']
data_root = 'data/bsds500'
max_iters = 300000
crop_size = (208, 208)
model = dict(
    type='SSNSegmentor',
    # no mean/std: SSNSegmentor computes CIELAB and positions from RGB in [0, 255]
    data_preprocessor=dict(
        type='SegDataPreProcessor', bgr_to_rgb=True, pad_val=0, seg_pad_val=255, size=crop_size
    ),
    feature_net=dict(type='SSNPixelFeatures', channels=64, feature_dim=20),
    num_labels=50,
    color_scale=0.26,
    pos_scale=2.5,
    compactness=1e-5,
    train_cfg=dict(num_superpixels=169, n_iter=5),
    test_cfg=dict(num_superpixels=600, n_iter=10, enforce_connectivity=True),
)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadBSDSAnnotations'),
    dict(type='BSDSRegionLabels', num_labels=50),
    dict(type='RandomCrop', crop_size=crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadBSDSAnnotations'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type='BSDS500Dataset',
        data_root=data_root,
        pipeline=train_pipeline,
        data_prefix=dict(img_path='images/train', seg_map_path='groundTruth/train'),
    ),
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
optim_wrapper = dict(
    optimizer=dict(_delete_=True, type='Adam', lr=5e-5, betas=(0.9, 0.999), weight_decay=0.0)
)
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=max_iters,
        eta_min=5e-7,
        begin=0,
        end=max_iters,
        by_epoch=False,
    )
]
train_cfg = dict(max_iters=max_iters, val_interval=10000)
default_hooks = dict(
    checkpoint=dict(interval=10000), visualization=dict(type='SegVisualizationHook', draw=False)
)
