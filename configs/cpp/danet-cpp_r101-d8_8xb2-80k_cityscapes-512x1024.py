# DANet (ResNet-101) with CPP pooling + KL on its auxiliary head, Cityscapes,
# hyper-parameters of SeeThroughNet supplement A.1. Baseline without CPP:
# MMSegmentation's own danet config (auxiliary cross-entropy, weight 0.4).
_base_ = ['mmseg::_base_/models/danet_r50-d8.py', './_cityscapes_schedule.py']
model = dict(
    pretrained='open-mmlab://resnet101_v1c',  # offline: a local resnet101_v1c.pth
    data_preprocessor=dict(size=(512, 1024)),
    backbone=dict(depth=101),
    decode_head=dict(num_classes=19),
    # CPPFCNHead: MMSegmentation's FCNHead whose CPPKLLoss sees its own stride-8/16
    # output; the KL replaces the auxiliary cross-entropy (supplement A.1)
    auxiliary_head=dict(
        type='CPPFCNHead',
        num_classes=19,
        loss_decode=dict(_delete_=True, type='CPPKLLoss', loss_weight=0.6),
    ),
)
