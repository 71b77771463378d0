# FPN on EfficientNet-Lite0 from ImageNet with one upsampler on the neck's top-down path and
# the head's scale heads; the variants change only `upsampler` (and the backbone for HC).
# Schedule and evaluation: the ImageNet-start comparison's (configs/hc/_camvid_in1k_schedule.py).
_base_ = ['../_base_/models/fpn_efflite0-in1k.py', '../hc/_camvid_in1k_schedule.py']
upsampler = dict(type='BilinearUpsampler')
model = dict(
    data_preprocessor=dict(size=(256, 256)),
    neck=dict(type='UpsamplerFPN', upsampler=upsampler),
    decode_head=dict(type='UpsamplerFPNHead', upsampler=upsampler, num_classes=11),
)
