# Table 4 baseline: DeepLabV3+ (ResNet-101) on PASCAL VOC 2012 aug, 78.85 / 76.47 mIoU
# (512^2 / full size) in the paper, which trained it with jfzhang95/pytorch-deeplab-xception;
# this is MMSegmentation's 40k schedule for the same model. It is the pretrained segmenter of
# the SP and TI rows: join its checkpoint with the superpixel FCN's by
# tools/join_checkpoints.py.
_base_ = [
    'mmseg::_base_/models/deeplabv3plus_r50-d8.py', '../_base_/datasets/pascal_voc12_aug.py',
    'mmseg::_base_/schedules/schedule_40k.py', '../_base_/segplug_runtime.py'
]
model = dict(
    pretrained='open-mmlab://resnet101_v1c',  # offline: a local resnet101_v1c.pth
    data_preprocessor=dict(size=(512, 512)),
    backbone=dict(depth=101),
    decode_head=dict(num_classes=21),
    auxiliary_head=dict(num_classes=21))
train_dataloader = dict(batch_size=4)
