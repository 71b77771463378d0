# Table 4 "Ours" ResNet-152, SP without TI: 79.94 / 78.15 mIoU (512^2 / full size) over
# DeepLabV3+'s 79.32 / 77.78. Evaluated like the ResNet-101 SP config, from
# deeplabv3plus_r152-d8_4xb4-40k_voc12aug-512x512.py's checkpoint joined with the superpixel
# FCN by tools/join_checkpoints.py.
_base_ = ['./sp-deeplabv3plus_r101-d8_voc12aug-512x512.py']
# plain ResNet stem, as deeplabv3plus_r152-d8_4xb4-40k_voc12aug-512x512.py (torchvision weights)
model = dict(backbone=dict(type='ResNet', depth=152))
