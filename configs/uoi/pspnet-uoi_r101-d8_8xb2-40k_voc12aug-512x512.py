# PSPNet (ResNet-101) on PASCAL VOC 2012 aug, the UOI paper's dataset, with its decode head
# trained on 0.7 UOI + 0.3 CE; schedule of the CPP experiments (SGD lr 0.01, 40k, 8x2).
_base_ = ['mmseg::_base_/models/pspnet_r50-d8.py', '../cpp/_voc_schedule.py']
model = dict(
    pretrained='open-mmlab://resnet101_v1c',  # offline: a local resnet101_v1c.pth
    data_preprocessor=dict(size=(512, 512)),
    backbone=dict(depth=101),
    decode_head=dict(
        num_classes=21,
        loss_decode=[
            dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=0.3),
            dict(type='UOILoss', loss_weight=0.7),
        ],
    ),
    auxiliary_head=dict(num_classes=21),
)
