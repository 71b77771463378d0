# Bilinear on the HC backbone: separates the backbone (DCNv2 downsampling) from the decoder.
_base_ = ['./fpn-hc_hcr18-v1c_1xb4-600i_camvid-256x256.py']
upsampler = dict(type='BilinearUpsampler')
model = dict(neck=dict(upsampler=upsampler), decode_head=dict(upsampler=upsampler))
