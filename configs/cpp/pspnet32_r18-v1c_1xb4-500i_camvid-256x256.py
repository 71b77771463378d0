# Baseline of the CamVid comparison: PSPNet on a stride-32 ResNetV1c-18 (from scratch),
# cross-entropy on the decode head and (weight 0.4) on the stride-16 auxiliary head.
_base_ = ['../_base_/models/pspnet32_r18-v1c.py', './_camvid_schedule.py']
model = dict(
    data_preprocessor=dict(size=(256, 256)),
    decode_head=dict(num_classes=11),
    auxiliary_head=dict(num_classes=11),
)
