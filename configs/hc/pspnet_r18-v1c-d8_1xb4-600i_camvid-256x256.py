_base_ = ['../_base_/models/pspnet_r18-v1c-d8.py', './_camvid_schedule.py']
model = dict(
    data_preprocessor=dict(size=(256, 256)),
    decode_head=dict(num_classes=11),
    auxiliary_head=dict(num_classes=11),
)
