# PSPNet-32 (no dilation) whose stride-32 logits go 32->16->8 through DySample, then
# bilinearly to the input (as HCPSPNet decodes through hc_levels=2).
_base_ = ['../_base_/models/pspnet32_r18-v1c.py', '../hc/_camvid_schedule.py']
model = dict(
    type='UpsamplerEncoderDecoder',
    upsample_steps=2,
    upsampler=dict(type='DySample', groups=1),
    data_preprocessor=dict(size=(256, 256)),
    decode_head=dict(num_classes=11),
    auxiliary_head=dict(num_classes=11),
)
