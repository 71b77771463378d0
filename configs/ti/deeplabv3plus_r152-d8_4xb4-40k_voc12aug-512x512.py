# Table 4 baseline: DeepLabV3+ (ResNet-152) on PASCAL VOC 2012 aug, 79.32 / 77.78 mIoU
# (512^2 / full size) in the paper. The pretrained segmenter of the ResNet-152 SP and TI rows.
# torchvision's ImageNet ResNet-152 (plain stem; offline: a local resnet152-*.pth), as the
# paper's "PyTorch model zoo" (Sec. 4.2); the SP and TI ResNet-152 configs use the same type.
_base_ = ['./deeplabv3plus_r101-d8_4xb4-40k_voc12aug-512x512.py']
model = dict(pretrained='torchvision://resnet152', backbone=dict(type='ResNet', depth=152))
