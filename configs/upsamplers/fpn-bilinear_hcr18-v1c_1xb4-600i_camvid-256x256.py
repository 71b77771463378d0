# Bilinear on the HC backbone: separates the backbone (DCNv2 downsampling) from the decoder.
_base_ = ['./fpn-hc_hcr18-v1c_1xb4-600i_camvid-256x256.py']
upsampler = dict(type='BilinearUpsampler')
model = dict(neck=dict(upsampler=upsampler), decode_head=dict(upsampler=upsampler))
# the HC backbone still computes its clustering, which the bilinear upsampler never uses: its
# projections get no gradient, so DDP must be told (else "Expected to have finished reduction")
model_wrapper_cfg = dict(find_unused_parameters=True)
