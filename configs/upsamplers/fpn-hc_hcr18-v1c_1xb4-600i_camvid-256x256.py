# HC's decoding needs the HC backbone (DCNv2 downsampling + soft clustering at conv4_x and
# conv5_x): 32->16->8 through the clusters, 8->4 bilinear (the paper's rule).
_base_ = ['./_fpn_r18-v1c_camvid.py']
upsampler = dict(type='HCUpsampler')
model = dict(
    backbone=dict(
        type='HCResNet',
        hc_levels=2,
        sampling_branch='block',
        use_dcn=True,
        cluster_dim=64,
        tau=0.07,
    ),
    neck=dict(upsampler=upsampler),
    decode_head=dict(upsampler=upsampler),
)
