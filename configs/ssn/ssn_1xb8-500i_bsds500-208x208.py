# SSN on BSDS500, CPU-sized: the paper's protocol (_ssn_bsds500.py) for 500 iterations,
# the cosine decay over them, one validation at the end.
_base_ = ['./_ssn_bsds500.py']
max_iters = 500
param_scheduler = [
    dict(
        type='CosineAnnealingLR',
        T_max=max_iters,
        eta_min=5e-7,
        begin=0,
        end=max_iters,
        by_epoch=False,
    )
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(checkpoint=dict(interval=max_iters))
