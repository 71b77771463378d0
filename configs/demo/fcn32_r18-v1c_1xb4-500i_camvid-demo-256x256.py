# segplug's quick-start demo: FCN-32 (ResNetV1c-18, from scratch) on the embedded CamVid
# subset (data/camvid_demo: 120 train / 40 val frames), trained and evaluated on CPU.
#   python tools/run_demo.py          (train, evaluate before and after, write predictions)
#   python tools/train.py configs/demo/fcn32_r18-v1c_1xb4-500i_camvid-demo-256x256.py
_base_ = [
    '../_base_/models/fcn32_r18-v1c.py',
    '../_base_/datasets/camvid.py',
    '../_base_/schedules/adamw_poly.py',
    '../_base_/segplug_runtime.py',
]
crop_size = (256, 256)
data_root = 'data/camvid_demo'
norm_cfg = dict(type='SyncBN', requires_grad=True)  # reverted to BN on one process / CPU
model = dict(
    data_preprocessor=dict(size=crop_size),
    decode_head=dict(num_classes=11, norm_cfg=norm_cfg),
    auxiliary_head=dict(num_classes=11, norm_cfg=norm_cfg),
)
train_dataloader = dict(batch_size=4, num_workers=2, dataset=dict(data_root=data_root))
val_dataloader = dict(dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
max_iters = 500
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, begin=0, end=50, by_epoch=False),
    dict(type='PolyLR', eta_min=1e-5, power=0.9, begin=50, end=max_iters, by_epoch=False),
]
train_cfg = dict(max_iters=max_iters, val_interval=max_iters)
default_hooks = dict(logger=dict(interval=20), checkpoint=dict(interval=100))
