# CamVid for the TI before/after comparison: same data, crops and seed for both stages.
# Full CamVid in data/camvid: see configs/_base_/datasets/camvid.py.
_base_ = [
    '../_base_/datasets/camvid.py',
    '../_base_/schedules/adamw_poly.py',
    '../_base_/segplug_runtime.py',
]
crop_size = (256, 256)
train_dataloader = dict(batch_size=4)
val_evaluator = [
    dict(type='IoUMetric', iou_metrics=['mIoU']),
    dict(type='BoundaryMetric', tolerances=(1, 3, 5)),
]
test_evaluator = val_evaluator
