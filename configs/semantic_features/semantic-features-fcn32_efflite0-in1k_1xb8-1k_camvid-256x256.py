# Semantic Soft Segmentation's features from the ImageNet start on CamVid (issue 34): the
# hypercolumn head trained by Eq. 1 beside FCN-32's cross-entropy, on EfficientNet-Lite0 from
# ImageNet, the model and schedule of ../hc/fcn32_efflite0-in1k_1xb8-1k_camvid-256x256.py
# (batch 8, 1000 iterations). Control: semantic-features-w0-fcn32_efflite0-in1k_..., the same
# model with Eq. 1 at weight 0 (cross-entropy alone). Scored by tools/analysis/eval_features.py.
# Lite0 returns its stride-2 and stride-4 maps itself (no tap needed): the hypercolumn takes
# the image, strides 4, 8, 16 and 32 (24 / 40 / 112 / 320 channels), the levels the paper
# takes from DeepLab-ResNet (input, pool1, res3, res4, res5). Widths, channels, sampling and
# loss as the ResNet-18 config here (the paper's widths 4/124/128/256/512; 256 channels,
# P_pix = 300, R = 2 to fit a CPU iteration).
_base_ = ['../hc/fcn32_efflite0-in1k_1xb8-1k_camvid-256x256.py']
model = dict(
    type='SemanticFeatureEncoderDecoder',
    feature_head=dict(
        type='HypercolumnHead',
        # inputs: 0 image, 1-5 Lite0 levels at strides 2, 4, 8, 16, 32
        in_index=(0, 2, 3, 4, 5),
        in_channels=(3, 24, 40, 112, 320),
        widths=(4, 124, 128, 256, 512),
        channels=256,
        feat_dim=128,
        dropout_ratio=0.5,
        loss_decode=dict(
            type='SemanticFeatureLoss',
            num_instances=3,
            num_pixels=300,
            repeats=2,
            reduction='pairs',
            loss_weight=1.0,
        ),
    ),
)
