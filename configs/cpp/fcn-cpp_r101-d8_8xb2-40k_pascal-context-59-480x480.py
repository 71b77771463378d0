# FCN (ResNet-101) with CPP pooling + KL on its auxiliary head, PASCAL Context-59,
# hyper-parameters of SeeThroughNet supplement A.1. Baseline without CPP:
# MMSegmentation's own fcn config (auxiliary cross-entropy, weight 0.4).
_base_ = ['mmseg::_base_/models/fcn_r50-d8.py', './_context_schedule.py']
model = dict(
    pretrained='open-mmlab://resnet101_v1c',  # offline: a local resnet101_v1c.pth
    data_preprocessor=dict(size=(480, 480)),
    backbone=dict(depth=101),
    decode_head=dict(num_classes=59),
    # CPPFCNHead: MMSegmentation's FCNHead whose CPPKLLoss sees its own stride-8/16
    # output; the KL replaces the auxiliary cross-entropy (supplement A.1)
    auxiliary_head=dict(
        type='CPPFCNHead',
        num_classes=59,
        loss_decode=dict(_delete_=True, type='CPPKLLoss', loss_weight=0.6),
    ),
    test_cfg=dict(mode='slide', crop_size=(480, 480), stride=(320, 320)),
)
