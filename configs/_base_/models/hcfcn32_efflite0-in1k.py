# HCFCN-32 on EfficientNet-Lite0 from ImageNet: soft clustering at the stride 8 -> 16 and
# 16 -> 32 downsampling, whose strided depthwise convs become DCNv2 with the pretrained kernels
# (App. A; the backbone starts exactly as the pretrained one); the stride-32 prediction is
# decoded through the clusters to stride 8 (Eq. 3), then bilinearly to the input.
_base_ = ['./fcn32_efflite0-in1k.py']
model = dict(
    type='HCEncoderDecoder',
    backbone=dict(type='HCTimmBackbone', hc_levels=2, use_dcn=True, cluster_dim=64, tau=0.07),
)
