# SeeThroughNet supplement A.1, NYU-Depth-v2 (40 classes): SGD, poly 0.9, lr 0.004,
# weight decay 1e-4, 40k iterations, batch 4 per GPU on 8 GPUs, 640x480 (W x H) crops.
_base_ = [
    '../_base_/datasets/nyu_depth_v2.py',
    'mmseg::_base_/schedules/schedule_40k.py',
    '../_base_/segplug_runtime.py',
]
crop_size = (480, 640)
train_dataloader = dict(batch_size=4)
optim_wrapper = dict(optimizer=dict(lr=0.004, weight_decay=1e-4))
param_scheduler = [dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=40000, by_epoch=False)]
# segplug's atomic checkpoints (configs/_base_/segplug_runtime.py says why)
default_hooks = dict(checkpoint=dict(type='SafeCheckpointHook'))
