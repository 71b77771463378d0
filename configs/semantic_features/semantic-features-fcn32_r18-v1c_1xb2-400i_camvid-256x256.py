# Semantic Soft Segmentation's feature network (supplement Fig. 1, Eq. 1) on ResNetV1c-18,
# beside MMSegmentation's FCN-32 head: one backbone, two heads, two losses.
# The hypercolumn taps the input, pool1 (the stem's max-pool, through a forward hook:
# MMSegmentation's ResNet does not return it) and stages 2-4 (res3, res4, res5), with the
# paper's widths 4 / 124 / 128 / 256 / 512, 1x1 convs to 256 (paper: 512) and to d = 128.
_base_ = ['../_base_/models/fcn32_r18-v1c.py', './_camvid_schedule.py']
model = dict(
    type='SemanticFeatureEncoderDecoder',
    data_preprocessor=dict(size=(256, 256)),
    decode_head=dict(num_classes=11),
    auxiliary_head=None,
    tap_modules=['maxpool'],
    feature_head=dict(
        type='HypercolumnHead',
        # inputs: 0 image, 1 pool1 (tapped), 2-5 ResNet stages 1-4 (res2 .. res5)
        in_index=(0, 1, 3, 4, 5),
        in_channels=(3, 64, 128, 256, 512),
        widths=(4, 124, 128, 256, 512),
        channels=256,  # paper: 512; halved for CPU training (the full-resolution part)
        feat_dim=128,
        dropout_ratio=0.5,
        # P_inst = 3 as in the paper; P_pix and R are cut from 1000 and 10 to keep the loss
        # a small part of a CPU iteration (benchmarks/semantic_feature_loss_speed.py times the
        # paper's setting). 'pairs': the mean over pairs, so the weight against the
        # cross-entropy does not depend on P_inst x P_pix.
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
