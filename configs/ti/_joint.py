# Joint superpixel model pieces shared by the TI configs: DeepLabV3+ (any decode head works)
# joined with the superpixel FCN by a TI fusion head, with logit consistency.
# Pretrained weights come from local files (no model hub): both at once as one checkpoint
# written by tools/join_checkpoints.py (load_from=joined.pth), or the semantic model through
# load_from (its backbone.* / decode_head.* keys) and the superpixel FCN through its init_cfg:
#   --cfg-options model.superpixel_net.init_cfg.type=Pretrained \
#     model.superpixel_net.init_cfg.prefix=superpixel_net. \
#     model.superpixel_net.init_cfg.checkpoint=work_dirs/ti_bsds/iter_1000.pth
superpixel_net = dict(type='SuperpixelFCN', base_channels=16, cell_size=16)
# Per-module learning rates (paper, Sec. 4.2): 1e-6 for both pretrained networks, 1e-7 for
# the TI layers (1e-9 on ADE20K / Context); SGD, momentum 0.9, weight decay 5e-4, fixed LR.
joint_optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=1e-6, momentum=0.9, weight_decay=5e-4),
    paramwise_cfg=dict(custom_keys={'fusion': dict(lr_mult=0.1)}),
)
