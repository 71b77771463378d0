# Beyond the paper: HC clustering around a timm ConvNeXt-Atto (stride 32), FCN head decoded
# through the clusters. Local timm weights: model.backbone.checkpoint_path=/path/to.pth
_base_ = ['../_base_/models/hcfcn32_r18-v1c.py', './_camvid_schedule.py']
model = dict(
    data_preprocessor=dict(size=(256, 256)),
    backbone=dict(_delete_=True, type='HCTimmBackbone', model_name='convnext_atto', hc_levels=2),
    decode_head=dict(in_channels=320, in_index=3, channels=128, num_classes=11),
    auxiliary_head=dict(in_channels=160, in_index=2, channels=64, num_classes=11),
)
