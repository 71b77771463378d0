# Control of deeplabv3plus-cpp_efflite0-in1k_... (issue 34): the same auxiliary head at its own
# stride-16 resolution, trained by cross-entropy on the labels downsampled by nearest
# neighbour (one pixel per 16 x 16 cell), the down-sampling CPP replaces (SeeThroughNet,
# Sec. 3). Same weight (0.6) as CPP-KL, so that only the target differs (our choice).
# MMSegmentation's own auxiliary loss (CE on the logits upsampled to the labels, weight 0.4)
# is the stage-1 segmenter ../ti/deeplabv3plus_efflite0-in1k_..., a second reference.
_base_ = ['../ti/deeplabv3plus_efflite0-in1k_1xb8-1k_camvid-256x256.py']
model = dict(
    auxiliary_head=dict(
        type='CPPFCNHead',
        loss_decode=dict(_delete_=True, type='NearestDownsampledCELoss', loss_weight=0.6),
    )
)
