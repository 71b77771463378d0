# HC paper's ADE20K protocol (Sec. 4.2, Table 4): as for Cityscapes but 512x512 crops,
# lr 0.02 and 125k iterations; batch 16 (8 GPUs x 2).
_base_ = [
    '../_base_/datasets/ade20k.py', 'mmseg::_base_/schedules/schedule_160k.py',
    '../_base_/segplug_runtime.py'
]
train_dataloader = dict(batch_size=2, num_workers=4)
max_iters = 125000
optimizer = dict(type='SGD', lr=0.02, momentum=0.9, weight_decay=0.0005)
optim_wrapper = dict(type='OptimWrapper', optimizer=optimizer, clip_grad=None)
param_scheduler = [
    dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=max_iters, by_epoch=False)
]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=12500)
default_hooks = dict(checkpoint=dict(interval=12500))
