# HCFCN-32: FCN-32 on HC-ResNet-18 (clustering at conv4_x and conv5_x, DCNv2 downsampling,
# block sampling branch); the stride-32 prediction is decoded through the clusters to
# stride 8 (HC paper, Eq. 3), then bilinearly to the input.
_base_ = ['./fcn32_r18-v1c.py']
model = dict(
    type='HCEncoderDecoder',
    backbone=dict(
        type='HCResNet',
        hc_levels=2,
        sampling_branch='block',
        use_dcn=True,
        cluster_dim=64,
        tau=0.07,
    ),
)
