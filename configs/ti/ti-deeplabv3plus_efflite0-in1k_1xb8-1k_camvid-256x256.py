# TI from the ImageNet start on CamVid (issue 34), stage 2: the stage-1 segmenter
# (deeplabv3plus_efflite0-in1k_..., fine-tuned 1000 iterations from ImageNet) joined with the
# superpixel FCN pretrained on BSDS500 (spixelfcn-norm127_...), through 3 TI fusion layers
# (float64) with logit consistency, fine-tuned jointly for 1000 iterations; Eq. 1 on one-hot
# CamVid labels trains the superpixel FCN on. Control: ft-deeplabv3plus_efflite0-in1k_..., the
# segmenter alone for the same further iterations with the same (inherited) schedule.
#   load_from: the stage-1 checkpoint (backbone + decode head keys);
#   model.superpixel_net.init_cfg: the BSDS500 checkpoint (prefix superpixel_net.), as
#   benchmarks/methods_camvid_in1k.sh passes them.
# The paper's per-module rates (Sec. 4.2) kept as a ratio: the TI layers at a tenth of the
# rest (the networks at the stage-2 rate 1e-4 here, not the paper's 1e-6: see the control).
_base_ = ['./ft-deeplabv3plus_efflite0-in1k_1xb8-1k_camvid-256x256.py', './_joint.py']
model = dict(
    type='JointSuperpixelSegmentor',
    superpixel_net={{_base_.superpixel_net}},
    fusion=dict(type='TIFusionHead', hidden=(None, None), precision='float64'),
    superpixel_loss=dict(loss_weight=1.0, m=0.003),
)
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'fusion': dict(lr_mult=0.1)}))
