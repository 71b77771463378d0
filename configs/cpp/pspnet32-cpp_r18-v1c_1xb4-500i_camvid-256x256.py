# The baseline with the auxiliary cross-entropy replaced by CPP-KL (weight 0.6, supplement
# Table 1): the stride-16 auxiliary output is compared with the labels CPP-pooled by 16.
_base_ = ['./pspnet32_r18-v1c_1xb4-500i_camvid-256x256.py']
model = dict(
    auxiliary_head=dict(
        type='CPPFCNHead', loss_decode=dict(_delete_=True, type='CPPKLLoss', loss_weight=0.6)
    )
)
