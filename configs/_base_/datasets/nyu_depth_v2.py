# NYU-Depth-v2 semantic segmentation, 40 classes (Gupta et al.'s 40-class mapping of the 1449
# labelled frames, 795 train / 654 test), 640x480 frames. MMSegmentation 1.2.2's NYUDataset
# is its depth-estimation dataset (depth maps, no classes), so this uses segplug's
# NYU40Dataset (classes, suffixes and reduce_zero_label are its defaults).
# Layout: data/nyu/images/{train,test}/*.jpg, data/nyu/annotations/{train,test}/*.png with
# 0 = unlabelled and 1..40 the classes (reduce_zero_label maps 0 -> 255 = ignore), as
# tools/dataset_converters/nyu_depth_v2.py writes it (see docs/datasets.md).
dataset_type = 'NYU40Dataset'
data_root = 'data/nyu'
crop_size = (480, 640)
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='RandomResize', scale=(640, 480), ratio_range=(0.5, 2.0), keep_ratio=True),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(640, 480), keep_ratio=True),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=4,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='images/train', seg_map_path='annotations/train'),
        pipeline=train_pipeline,
    ),
)
val_dataloader = dict(
    batch_size=1,
    num_workers=4,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        data_prefix=dict(img_path='images/test', seg_map_path='annotations/test'),
        pipeline=test_pipeline,
    ),
)
test_dataloader = val_dataloader
val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
