# Joint fine-tuning on PASCAL VOC 2012 aug (paper, Sec. 4.2-4.3, Table 4): DeepLabV3+ and the
# superpixel FCN, both pretrained, joined by 3 TI layers; SGD at fixed LRs 1e-6 (networks) and
# 1e-7 (TI) for 20 epochs (10,582 images, batch 16: 13.2k iterations).
_base_ = [
    'mmseg::_base_/models/deeplabv3plus_r50-d8.py',
    '../_base_/datasets/pascal_voc12_aug.py',
    'mmseg::_base_/schedules/schedule_40k.py',
    '../_base_/segplug_runtime.py',
    './_joint.py',
]
model = dict(
    type='JointSuperpixelSegmentor',
    pretrained=None,
    data_preprocessor=dict(size=(512, 512)),
    # the baselines' backbone: torchvision's plain-stem ResNet (Sec. 4.2, "PyTorch model zoo")
    backbone=dict(type='ResNet'),
    decode_head=dict(num_classes=21),
    auxiliary_head=dict(num_classes=21),
    superpixel_net={{_base_.superpixel_net}},
    fusion=dict(type='TIFusionHead', hidden=(64, 64)),
    superpixel_loss=dict(loss_weight=1.0, m=0.003),
)
train_dataloader = dict(batch_size=4)
max_iters = 13200
optim_wrapper = {{_base_.joint_optim_wrapper}}
param_scheduler = []  # fixed learning rates, as the paper
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters // 4)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
default_hooks = dict(
    checkpoint=dict(type='SafeCheckpointHook', by_epoch=False, interval=max_iters // 4)
)
val_evaluator = [
    dict(type='IoUMetric', iou_metrics=['mIoU']),
    dict(type='BoundaryMetric', tolerances=(1, 2, 3, 4, 5)),
]
test_evaluator = val_evaluator
