# UOI from the ImageNet start on CamVid (issue 34), the paper's protocol (Sec. 5): CE first
# (stage 1: ../ti/deeplabv3plus_efflite0-in1k_..., 1000 iterations from ImageNet), then this
# stage, 1000 iterations of 0.7 UOI + 0.3 CE on the decode head (the auxiliary head keeps its
# CE), loaded from the stage-1 checkpoint. The control is ../ti/ft-deeplabv3plus_efflite0-in1k_...:
# CE for the same total length, same stage-2 schedule, same stage-1 checkpoint per seed.
_base_ = ['../ti/ft-deeplabv3plus_efflite0-in1k_1xb8-1k_camvid-256x256.py']
model = dict(
    decode_head=dict(
        loss_decode=[
            dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.3),
            dict(type='UOILoss', loss_weight=0.7),
        ]
    )
)
