# CPP-KL from the ImageNet start on CamVid (issue 34): the segmenter of
# ../ti/deeplabv3plus_efflite0-in1k_... (DeepLabV3+ on EfficientNet-Lite0, 1000 iterations of
# the shared schedule) with the auxiliary loss replaced by CPP-KL (weight 0.6, supplement
# Table 1): the stride-16 auxiliary output against the labels CPP-pooled by 16.
# Control: deeplabv3plus-nearest_efflite0-in1k_..., the same head and weight with
# cross-entropy on nearest-downsampled labels.
_base_ = ['../ti/deeplabv3plus_efflite0-in1k_1xb8-1k_camvid-256x256.py']
model = dict(
    auxiliary_head=dict(
        type='CPPFCNHead', loss_decode=dict(_delete_=True, type='CPPKLLoss', loss_weight=0.6)
    )
)
