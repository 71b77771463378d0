# Stage 2 control of the ImageNet-start comparisons (issue 34): the stage-1 segmenter
# (deeplabv3plus_efflite0-in1k_..., load_from its checkpoint) trained 1000 iterations more
# with cross-entropy alone. It is the control of TI (the same further iterations of the
# segmenter alone, without superpixels or TI layers) and of UOI (CE for the same total length).
# The stage-2 schedule, shared by this control, ti-deeplabv3plus_efflite0-in1k_... and
# ../uoi/ft-deeplabv3plus-uoi_..., was chosen here: the ImageNet-start schedule's AdamW at a
# tenth of its peak rate (1e-4), 30 warm-up iterations (the optimiser's moments start from
# zero: load_from loads weights only), poly decay. The TI paper fine-tunes converged networks
# at a fixed 1e-6 (SGD); our 1000-iteration stage 1 is far from converged.
_base_ = ['./deeplabv3plus_efflite0-in1k_1xb8-1k_camvid-256x256.py']
max_iters = 1000
optim_wrapper = dict(optimizer=dict(lr=1e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, begin=0, end=30, by_epoch=False),
    dict(type='PolyLR', eta_min=1e-7, power=0.9, begin=30, end=max_iters, by_epoch=False),
]
load_from = 'work_dirs/methods_camvid_in1k/deeplabv3plus/seed0/iter_1000.pth'
