# HCFPN: FPN on HC-ResNet-18 whose top-down path and scale heads upsample through the
# clusters (32->16->8); 8->4 and the rest stay bilinear, as in the paper (Eq. 3 + bilinear).
_base_ = ['./fpn_r18-v1c.py']
model = dict(
    type='HCEncoderDecoder',
    backbone=dict(type='HCResNet', hc_levels=2),
    neck=dict(type='HCFPN'),
    decode_head=dict(type='HCFPNHead'),
)
