# CamVid quality comparison (CPU, from scratch): same data, schedule and seed for plain CE,
# CE + CPP-KL auxiliary and 0.7 UOI + 0.3 CE. Full CamVid in data/camvid (see
# configs/_base_/datasets/camvid.py), or --cfg-options train_dataloader.dataset.data_root=...
# as benchmarks/cpp_uoi_camvid_quality.sh does.
_base_ = [
    '../_base_/datasets/camvid.py',
    '../_base_/schedules/adamw_poly.py',
    '../_base_/segplug_runtime.py',
]
crop_size = (256, 256)
train_dataloader = dict(batch_size=4)
max_iters = 500
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, begin=0, end=50, by_epoch=False),
    dict(type='PolyLR', eta_min=1e-5, power=0.9, begin=50, end=max_iters, by_epoch=False),
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=250))
val_evaluator = dict(type='PerClassIoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
randomness = dict(seed=0)
