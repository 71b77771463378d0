# Table 4 "Ours" ResNet-152, SP without TI: 78.15 mIoU at full size (79.94 at 512^2) over
# DeepLabV3+'s 77.78 (79.32). Trained like the ResNet-101 SP config
# (sp-deeplabv3plus_r101-d8_4xb4-40k_voc12aug-512x512.py: from ImageNet weights with the
# BSDS500 superpixel FCN, the baseline's 60-epoch schedule); its checkpoint is what the
# ResNet-152 TI row fine-tunes ("based on which", Sec. 4.3).
_base_ = ['./sp-deeplabv3plus_r101-d8_4xb4-40k_voc12aug-512x512.py']
# plain ResNet stem, as deeplabv3plus_r152-d8_4xb4-40k_voc12aug-512x512.py (torchvision weights)
model = dict(pretrained='torchvision://resnet152', backbone=dict(type='ResNet', depth=152))
