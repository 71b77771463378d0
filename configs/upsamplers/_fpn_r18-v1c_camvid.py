# FPN (ResNetV1c-18, from scratch) with one upsampler on the neck's top-down path and the
# head's scale heads; the variants change only `upsampler` (and the backbone for HC).
_base_ = ['../_base_/models/fpn_r18-v1c.py', '../hc/_camvid_schedule.py']
upsampler = dict(type='BilinearUpsampler')
model = dict(
    data_preprocessor=dict(size=(256, 256)),
    neck=dict(type='UpsamplerFPN', upsampler=upsampler),
    decode_head=dict(type='UpsamplerFPNHead', upsampler=upsampler, num_classes=11),
)
# mIoU with per-class IoU, and boundary F in the BSDS convention (square window), 360x480
val_evaluator = [
    dict(type='PerClassIoUMetric', iou_metrics=['mIoU']),
    dict(type='BoundaryMetric', convention='bsds', tolerances=(1, 3, 5)),
]
test_evaluator = val_evaluator
