# DeepLabV3+ (ResNet-101) without CPP, PASCAL VOC 2012 aug: the "w/o CPP pooling" rows of
# SeeThroughNet supplement Table 2 (its "DeepLabV2+ [7]": reference [7] is DeepLabV3+).
# MMSegmentation's model with its auxiliary cross-entropy (weight 0.4), on the same A.1
# schedule as deeplabv3plus-cpp_r101-d8_8xb2-40k_voc12aug-512x512.
_base_ = ['mmseg::_base_/models/deeplabv3plus_r50-d8.py', './_voc_schedule.py']
model = dict(
    pretrained='open-mmlab://resnet101_v1c',  # offline: a local resnet101_v1c.pth
    data_preprocessor=dict(size=(512, 512)),
    backbone=dict(depth=101),
    decode_head=dict(num_classes=21),
    auxiliary_head=dict(num_classes=21),
)
