_base_ = ['../_base_/models/hcfcn32_efflite0-in1k.py', './_camvid_in1k_schedule.py']
model = dict(
    data_preprocessor=dict(size=(256, 256)),
    decode_head=dict(num_classes=11),
    auxiliary_head=dict(num_classes=11),
)
