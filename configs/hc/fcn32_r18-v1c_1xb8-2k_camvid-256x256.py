_base_ = ['../_base_/models/fcn32_r18-v1c.py', './_camvid_schedule.py']
