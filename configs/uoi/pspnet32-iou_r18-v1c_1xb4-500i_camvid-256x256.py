# For comparison with UOI: the same 0.7 / 0.3 mix with the soft IOU loss (1 - mean E[I]/E[U]).
_base_ = ['../cpp/pspnet32_r18-v1c_1xb4-500i_camvid-256x256.py']
model = dict(
    decode_head=dict(
        loss_decode=[
            dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.3),
            dict(type='SoftIoULoss', loss_weight=0.7),
        ]
    )
)
