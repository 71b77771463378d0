# SeeThroughNet supplement A.1, PASCAL Context (59 classes): SGD, poly 0.9, lr 0.004,
# weight decay 1e-4, 40k iterations, batch 2 per GPU on 8 GPUs, 480x480 crops.
_base_ = [
    '../_base_/datasets/pascal_context_59.py',
    'mmseg::_base_/schedules/schedule_40k.py',
    '../_base_/segplug_runtime.py',
]
crop_size = (480, 480)
train_dataloader = dict(batch_size=2)
optim_wrapper = dict(optimizer=dict(lr=0.004, weight_decay=1e-4))
param_scheduler = [dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=40000, by_epoch=False)]
# segplug's atomic checkpoints (configs/_base_/segplug_runtime.py says why)
default_hooks = dict(checkpoint=dict(type='SafeCheckpointHook'))
