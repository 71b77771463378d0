# SeeThroughNet supplement A.1, Cityscapes: SGD, poly 0.9, lr 0.01, weight decay 5e-4,
# 80k iterations, batch 2 per GPU on 8 GPUs (SyncBN), 1024x512 (W x H) crops; photometric
# distortion, flip and random scaling 0.5-2.0 (MMSegmentation's cityscapes pipeline).
_base_ = [
    '../_base_/datasets/cityscapes.py',
    'mmseg::_base_/schedules/schedule_80k.py',
    '../_base_/segplug_runtime.py',
]
crop_size = (512, 1024)
train_dataloader = dict(batch_size=2)
optim_wrapper = dict(optimizer=dict(lr=0.01, weight_decay=5e-4))
param_scheduler = [dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=80000, by_epoch=False)]
# segplug's atomic checkpoints (configs/_base_/segplug_runtime.py says why)
default_hooks = dict(checkpoint=dict(type='SafeCheckpointHook'))
