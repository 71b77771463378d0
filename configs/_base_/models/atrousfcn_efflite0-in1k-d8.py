# AtrousFCN on EfficientNet-Lite0 from ImageNet: timm's output_stride=8 dilates the stride-16
# and stride-32 stages (same weights), and the FCN head predicts at stride 8.
_base_ = ['./fcn32_efflite0-in1k.py']
model = dict(backbone=dict(output_stride=8))
