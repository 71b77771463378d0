# HCPSPNet: PSPNet's head on HC-ResNet-18 (stride 32), decoded through the clusters.
_base_ = ['./pspnet32_r18-v1c.py']
model = dict(type='HCEncoderDecoder', backbone=dict(type='HCResNet', hc_levels=2))
