# Supplement Table 1: PSPNet + CPP-KL on Cityscapes with auxiliary weight 0.7
# (paper: 80.09 mIoU; 0.6 was best).
_base_ = ['../pspnet-cpp_r101-d8_8xb2-80k_cityscapes-512x1024.py']
model = dict(auxiliary_head=dict(loss_decode=dict(loss_weight=0.7)))
