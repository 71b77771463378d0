# Shared by the CamVid HC comparison: same data, schedule and seed for every model.
# Full CamVid: ln -s ../../shared/data/camvid data/camvid (or --cfg-options data_root=...).
_base_ = [
    '../_base_/datasets/camvid.py', '../_base_/schedules/adamw_poly.py',
    '../_base_/segplug_runtime.py'
]
crop_size = (256, 256)
train_dataloader = dict(batch_size=8)
val_evaluator = dict(type='PerClassIoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
