# Table 4 "Ours" ResNet-101, SP without TI: 79.22 / 76.98 mIoU (512^2 / full size) over
# DeepLabV3+'s 78.85 / 76.47. The pretrained DeepLabV3+ and the pretrained superpixel FCN
# joined by logit consistency only (no fusion layers), not fine-tuned: evaluate the joined
# checkpoint,
#   python tools/join_checkpoints.py DEEPLABV3PLUS.pth SPIXELFCN.pth joined_r101.pth
#   bash tools/dist_test.sh configs/ti/sp-deeplabv3plus_r101-d8_voc12aug-512x512.py \
#       joined_r101.pth GPUS
# DEEPLABV3PLUS.pth: deeplabv3plus_r101-d8_4xb4-40k_voc12aug-512x512.py's checkpoint;
# SPIXELFCN.pth: spixelfcn_1xb8-1k_bsds500-208x208.py's. (It trains too, with the joint
# schedule: SP fine-tuning without TI is not a row of the paper.)
_base_ = ['./_voc12aug_joint.py']
model = dict(backbone=dict(depth=101), fusion=None)
