# Table 4 "Ours" ResNet-152, SP + TI: 80.46 / 78.94 mIoU (512^2 / full size) over SP alone
# 79.94 / 78.15 and DeepLabV3+ 79.32 / 77.78. Fine-tunes the joined pretrained parts:
#   python tools/join_checkpoints.py DEEPLABV3PLUS_R152.pth SPIXELFCN.pth joined_r152.pth
#   bash tools/dist_train.sh configs/ti/ti-deeplabv3plus_r152-d8_4xb4-13k_voc12aug-512x512.py 4 \
#       --cfg-options load_from=joined_r152.pth
# (the TI layers are not in the joined file and keep their transparent initialization, so
# the run starts at the SP row's accuracy).
_base_ = ['./_voc12aug_joint.py']
# plain ResNet stem, as deeplabv3plus_r152-d8_4xb4-40k_voc12aug-512x512.py (torchvision weights)
model = dict(backbone=dict(type='ResNet', depth=152))
load_from = None
