# CamVid schedule of the semantic-feature runs: the HC comparison's data, optimiser and
# seed (configs/hc/_camvid_schedule.py), but 2 crops per batch (the paper feeds one image per
# batch; the full-resolution hypercolumn is the CPU cost) and 400 iterations.
# Full CamVid in data/camvid: see configs/_base_/datasets/camvid.py.
_base_ = [
    '../_base_/datasets/camvid.py',
    '../_base_/schedules/adamw_poly.py',
    '../_base_/segplug_runtime.py',
]
crop_size = (256, 256)
train_dataloader = dict(batch_size=2)
max_iters = 400
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, begin=0, end=50, by_epoch=False),
    dict(type='PolyLR', eta_min=1e-5, power=0.9, begin=50, end=max_iters, by_epoch=False),
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=200))
val_evaluator = dict(type='PerClassIoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
