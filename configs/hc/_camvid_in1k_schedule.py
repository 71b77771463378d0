# Shared by the CamVid comparison from the ImageNet start (EfficientNet-Lite0): same data,
# schedule and seed for every model. Full CamVid (367 train / 101 val frames, 360x480):
# --cfg-options {train,val,test}_dataloader.dataset.data_root=DIR, or data/camvid.
# Fine-tuning, not training from scratch: AdamW 1e-3 with a short warm-up and poly decay,
# batch 8 of 256x256 crops (scale 0.5-2), evaluated on the whole 360x480 val frames with
# per-class IoU and boundary F (BSDS convention: 1, 3 and 5 px).
_base_ = [
    '../_base_/datasets/camvid.py',
    '../_base_/schedules/adamw_poly.py',
    '../_base_/segplug_runtime.py',
]
crop_size = (256, 256)
train_dataloader = dict(batch_size=8)
max_iters = 1000
optim_wrapper = dict(optimizer=dict(lr=1e-3, weight_decay=0.01))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, begin=0, end=30, by_epoch=False),
    dict(type='PolyLR', eta_min=1e-6, power=0.9, begin=30, end=max_iters, by_epoch=False),
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(logger=dict(interval=25), checkpoint=dict(interval=500, max_keep_ckpts=1))
val_evaluator = [
    dict(type='PerClassIoUMetric', iou_metrics=['mIoU']),
    dict(type='BoundaryMetric', convention='bsds', tolerances=(1, 3, 5)),
]
test_evaluator = val_evaluator
