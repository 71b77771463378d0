# Control for stage 2 of the CamVid comparison: the stage-1 model fine-tuned with the same
# optimiser, learning rate and iterations as the joint model, without superpixels or TI,
# so that the joint model's change is not credited with what more training alone gives.
_base_ = ['./deeplabv3plus_r18-v1c_1xb4-400i_camvid-256x256.py']
max_iters = 200
optim_wrapper = dict(
    _delete_=True,
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=1e-4, momentum=0.9, weight_decay=5e-4),
)
param_scheduler = []  # fixed LR, as the joint stage
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=max_iters))
load_from = 'work_dirs/ti_camvid/base/iter_400.pth'
