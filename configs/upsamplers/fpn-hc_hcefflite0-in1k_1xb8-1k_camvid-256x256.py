# HC's decoding needs the HC backbone: soft clustering at the stride 8 -> 16 and 16 -> 32
# downsampling (DCNv2 with the pretrained kernels, an exact start): 32 -> 16 -> 8 through the
# clusters, 8 -> 4 bilinear (the paper's rule).
_base_ = ['./_fpn_efflite0-in1k_camvid.py']
upsampler = dict(type='HCUpsampler')
model = dict(
    backbone=dict(type='HCTimmBackbone', hc_levels=2, use_dcn=True, cluster_dim=64, tau=0.07),
    neck=dict(upsampler=upsampler),
    decode_head=dict(upsampler=upsampler),
)
# DCN offsets at a tenth of the learning rate: configs/hc/hcfcn32_efflite0-in1k_* says why
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'conv_offset': dict(lr_mult=0.1)}))
