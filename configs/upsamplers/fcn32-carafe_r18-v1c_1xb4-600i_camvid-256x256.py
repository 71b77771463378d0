_base_ = ['../hc/fcn32_r18-v1c_1xb4-600i_camvid-256x256.py']
model = dict(
    type='UpsamplerEncoderDecoder', upsample_steps=2, upsampler=dict(type='CARAFEUpsampler')
)
