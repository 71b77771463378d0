_base_ = ['./_fpn_r18-v1c_camvid.py']
