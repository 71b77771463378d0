_base_ = ['../_base_/models/hcfcn32_efflite0-in1k.py', './_camvid_in1k_schedule.py']
model = dict(
    data_preprocessor=dict(size=(256, 256)),
    decode_head=dict(num_classes=11),
    auxiliary_head=dict(num_classes=11),
)
# DCNv2's offset predictors at a tenth of the learning rate (as Deformable DETR does for its
# sampling offsets): under AdamW at 1e-3 every offset weight moves ~lr per step whatever its
# gradient, and after 1000 iterations the stride-16 / stride-32 DCNs sampled 6 / 13 pixels
# (up to 124) away on average, scrambling the ImageNet features (seed 0: 44.22 mIoU, every thin
# class at 0). The paper trains with SGD, under which these small gradients move little.
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'conv_offset': dict(lr_mult=0.1)}))
