_base_ = ['./_fpn_efflite0-in1k_camvid.py']
