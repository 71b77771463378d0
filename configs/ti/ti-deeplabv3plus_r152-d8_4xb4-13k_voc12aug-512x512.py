# Table 4 "Ours" ResNet-152, SP + TI: 78.94 mIoU at full size (80.46 at 512^2) over SP alone
# 78.15 (79.94) and DeepLabV3+ 77.78 (79.32). Sec. 4.3: the SP model, "based on which
# fine-tuning by our transparent initialization further increased it": fine-tune the SP
# row's checkpoint (sp-deeplabv3plus_r152-d8_4xb4-40k_voc12aug-512x512.py) with 3 TI layers,
#   bash tools/dist_train.sh configs/ti/ti-deeplabv3plus_r152-d8_4xb4-13k_voc12aug-512x512.py 4 \
#       --cfg-options load_from=SP_R152.pth
# (the TI layers are not in that file and keep their transparent initialization, so the run
# starts at the SP row's accuracy). A checkpoint joined from separately trained parts by
# tools/join_checkpoints.py loads the same way.
_base_ = ['./_voc12aug_joint.py']
# plain ResNet stem, as deeplabv3plus_r152-d8_4xb4-40k_voc12aug-512x512.py (torchvision weights)
model = dict(backbone=dict(type='ResNet', depth=152))
load_from = None
