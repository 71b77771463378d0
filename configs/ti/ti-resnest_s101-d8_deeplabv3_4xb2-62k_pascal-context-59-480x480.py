# Table 6 (PASCAL Context 59, multi-scale): ResNeSt-101 + superpixels + 3-layer TI, 82.43
# pixAcc / 57.32 mIoU over ResNeSt-101's 81.91 / 56.49. 100 epochs of 4,996 images at
# batch 8. Pretrained weights from local files, as the ADE20K config.
_base_ = ['../_base_/datasets/pascal_context_59.py', './_resnest_joint.py']
max_iters = 62450
model = dict(
    data_preprocessor=dict(size=(480, 480)),
    decode_head=dict(num_classes=59),
    auxiliary_head=dict(num_classes=59),
    fusion=dict(type='TIFusionHead', hidden=(None, None)),  # 3 layers of 68 channels
    # tested as its baseline row (resnest_s101-d8_deeplabv3_4xb4-80k_pascal-context-59),
    # MMSegmentation's Context protocol, so the two rows of Table 6 are measured alike
    test_cfg=dict(mode='slide', crop_size=(480, 480), stride=(320, 320)),
)
train_dataloader = dict(batch_size=2)
val_evaluator = [
    dict(type='IoUMetric', iou_metrics=['mIoU']),
    dict(type='BoundaryMetric', tolerances=(1, 2, 3, 4, 5)),
]
test_evaluator = val_evaluator
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters // 10)
default_hooks = dict(
    checkpoint=dict(type='SafeCheckpointHook', by_epoch=False, interval=max_iters // 10)
)
# the pretrained semantic model, a local file (no model hub), e.g.
#   --cfg-options load_from=checkpoints/resnest_s101-d8_deeplabv3_pascal-context-59.pth
load_from = None
