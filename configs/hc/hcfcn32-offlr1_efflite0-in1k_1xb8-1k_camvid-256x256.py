# Diagnosis: HCFCN-32 with DCNv2's offset predictors at the full AdamW learning rate (what the
# paper's rule, "DCNv2 as the downsampling", gives without a per-layer rate).
_base_ = ['./hcfcn32_efflite0-in1k_1xb8-1k_camvid-256x256.py']
optim_wrapper = dict(paramwise_cfg=dict(custom_keys={'conv_offset': dict(lr_mult=1.0)}))
