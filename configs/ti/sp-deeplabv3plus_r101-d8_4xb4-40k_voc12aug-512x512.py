# Table 4 "Ours" ResNet-101, SP without TI: 76.98 mIoU at full size (79.22 at 512^2) over
# DeepLabV3+'s 76.47 (78.85). Sec. 4.2, "Learning Details": DeepLabV3+ is trained from
# ImageNet weights together with the superpixel FCN pretrained on BSDS500, joined by logit
# consistency (no TI layers), on the baseline's schedule: 60 epochs (40k iterations at batch
# 16), LR 0.007 for the ResNet and for the superpixel FCN ("the same as ResNet"), 0.07 for
# ASPP and decoder. Pass the BSDS500 superpixel FCN (spixelfcn_1xb8-1k_bsds500-208x208.py's
# checkpoint) as
#   --cfg-options model.superpixel_net.init_cfg.type=Pretrained \
#     model.superpixel_net.init_cfg.prefix=superpixel_net. \
#     model.superpixel_net.init_cfg.checkpoint=SPIXELFCN.pth
# The same config evaluates a checkpoint joined by tools/join_checkpoints.py (trained parts,
# no joint training), which is not a row of the paper.
_base_ = ['./deeplabv3plus_r101-d8_4xb4-40k_voc12aug-512x512.py', './_joint.py']
model = dict(
    type='JointSuperpixelSegmentor',
    superpixel_net={{_base_.superpixel_net}},
    fusion=None,
    superpixel_loss=dict(loss_weight=1.0, m=0.003),
)
val_evaluator = [
    dict(type='IoUMetric', iou_metrics=['mIoU']),
    dict(type='BoundaryMetric', tolerances=(1, 2, 3, 4, 5)),
]
test_evaluator = val_evaluator
