# The segmenter of the ImageNet-start comparisons of CPP, UOI and TI on CamVid (issue 34):
# DeepLabV3+ on EfficientNet-Lite0 from ImageNet, cross-entropy on the decode head and
# (weight 0.4) on the stride-16 auxiliary head (MMSegmentation's default, logits upsampled to
# the labels), 1000 iterations of the shared schedule (configs/hc/_camvid_in1k_schedule.py).
# Its checkpoint is stage 1 of TI (then ti-... or its control ft-...) and of UOI (then
# ../uoi/ft-deeplabv3plus-uoi_... or the same control); beside the CPP pair it is the model
# with MMSegmentation's own auxiliary loss. benchmarks/methods_camvid_in1k.sh runs them all.
_base_ = ['../_base_/models/deeplabv3plus_efflite0-in1k.py', '../hc/_camvid_in1k_schedule.py']
model = dict(
    data_preprocessor=dict(size=(256, 256)),
    decode_head=dict(num_classes=11),
    auxiliary_head=dict(num_classes=11),
)
