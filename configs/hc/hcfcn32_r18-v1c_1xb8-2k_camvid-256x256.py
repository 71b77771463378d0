_base_ = ['../_base_/models/hcfcn32_r18-v1c.py', './_camvid_schedule.py']
