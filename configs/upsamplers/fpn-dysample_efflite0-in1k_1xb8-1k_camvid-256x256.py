_base_ = ['./_fpn_efflite0-in1k_camvid.py']
upsampler = dict(type='DySample', groups=4, scope=0.25)
model = dict(neck=dict(upsampler=upsampler), decode_head=dict(upsampler=upsampler))
