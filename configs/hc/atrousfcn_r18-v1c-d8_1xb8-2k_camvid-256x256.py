_base_ = ['../_base_/models/atrousfcn_r18-v1c-d8.py', './_camvid_schedule.py']
