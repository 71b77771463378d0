_base_ = ['./_fpn_r18-v1c_camvid.py']
upsampler = dict(type='CARAFEUpsampler', up_kernel=5, encoder_kernel=3, compressed_channels=64)
model = dict(neck=dict(upsampler=upsampler), decode_head=dict(upsampler=upsampler))
