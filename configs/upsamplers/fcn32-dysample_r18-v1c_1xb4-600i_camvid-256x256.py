# FCN-32 whose stride-32 logits go 32->16->8 through DySample (as HCFCN-32 decodes through
# hc_levels=2), then bilinearly to the input; groups=1 because 11 classes.
_base_ = ['../hc/fcn32_r18-v1c_1xb4-600i_camvid-256x256.py']
model = dict(
    type='UpsamplerEncoderDecoder', upsample_steps=2, upsampler=dict(type='DySample', groups=1)
)
