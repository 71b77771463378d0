# The features trained by Eq. 1 alone, as in the paper: the FCN-32 head's cross-entropy
# weighs 0, so no class label reaches the backbone except through same/different pairs.
# (The decode head stays so that MMSegmentation's test loop runs; its mIoU is meaningless.)
_base_ = ['./semantic-features-fcn32_r18-v1c_1xb2-400i_camvid-256x256.py']
model = dict(decode_head=dict(loss_decode=dict(loss_weight=0.0)))
