# SP + TI on ResNet-101. Not a row of Table 4: the paper's ResNet-101 "Ours" row is SP alone
# (sp-deeplabv3plus_r101-d8_4xb4-40k_voc12aug-512x512.py, 76.98 at full size); TI was fine-tuned on ResNet-152
# only (ti-deeplabv3plus_r152-d8_4xb4-13k_voc12aug-512x512.py). Kept for the smaller model:
#   python tools/join_checkpoints.py DEEPLABV3PLUS_R101.pth SPIXELFCN.pth joined_r101.pth
#   bash tools/dist_train.sh configs/ti/ti-deeplabv3plus_r101-d8_4xb4-13k_voc12aug-512x512.py 4 \
#       --cfg-options load_from=joined_r101.pth
_base_ = ['./_voc12aug_joint.py']
model = dict(backbone=dict(depth=101))
load_from = None
