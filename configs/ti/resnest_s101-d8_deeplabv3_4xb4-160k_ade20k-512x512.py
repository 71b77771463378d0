# Table 5 baseline: ResNeSt-101 (DeepLabV3 head) on ADE20K, 82.07 pixAcc / 46.91 mIoU
# (multi-scale) in the paper, quoted from the ResNeSt paper (PyTorch-Encoding). This is
# MMSegmentation's config for the same model (160k iterations, 4 x 4; MMSegmentation's own
# result with it: 45.71 single-scale, 46.59 multi-scale + flip); evaluate with --tta.
# It is the pretrained segmenter of ti-resnest_s101-d8_deeplabv3_4xb2-253k_ade20k-480x480.py.
_base_ = [
    'mmseg::_base_/models/deeplabv3_r50-d8.py',
    '../_base_/datasets/ade20k.py',
    'mmseg::_base_/schedules/schedule_160k.py',
    '../_base_/segplug_runtime.py',
]
model = dict(
    pretrained='open-mmlab://resnest101',  # offline: a local resnest101 .pth
    data_preprocessor=dict(size=(512, 512)),
    backbone=dict(
        type='ResNeSt',
        stem_channels=128,
        radix=2,
        reduction_factor=4,
        avg_down_stride=True,
        depth=101,
    ),
    decode_head=dict(num_classes=150),
    auxiliary_head=dict(num_classes=150),
)
train_dataloader = dict(batch_size=4)
# segplug's atomic checkpoints (configs/_base_/segplug_runtime.py says why)
default_hooks = dict(checkpoint=dict(type='SafeCheckpointHook'))
