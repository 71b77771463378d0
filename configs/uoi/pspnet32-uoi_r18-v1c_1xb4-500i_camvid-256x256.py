# The CamVid baseline (configs/cpp/pspnet32_r18-v1c_1xb4-500i_camvid-256x256.py) with the
# decode head trained on 0.7 UOI + 0.3 CE (the UOI paper's grid-searched combination,
# Sec. 5); the auxiliary head keeps its cross-entropy.
_base_ = ['../cpp/pspnet32_r18-v1c_1xb4-500i_camvid-256x256.py']
model = dict(
    decode_head=dict(
        loss_decode=[
            dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.3),
            dict(type='UOILoss', loss_weight=0.7),
        ]
    )
)
