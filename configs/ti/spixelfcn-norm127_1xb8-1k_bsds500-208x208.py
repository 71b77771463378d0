# The superpixel FCN of spixelfcn_1xb8-1k_bsds500-208x208.py, pretrained on the inputs the
# EfficientNet-Lite0 segmenters see: the joint model feeds the superpixel FCN the segmenter's
# normalised image, and the Lite0 models normalise RGB to [-1, 1] (mean = std = 127.5), not
# with ImageNet's mean and std. For ti-deeplabv3plus_efflite0-in1k_... (issue 34).
_base_ = ['./spixelfcn_1xb8-1k_bsds500-208x208.py']
model = dict(data_preprocessor=dict(mean=[127.5, 127.5, 127.5], std=[127.5, 127.5, 127.5]))
