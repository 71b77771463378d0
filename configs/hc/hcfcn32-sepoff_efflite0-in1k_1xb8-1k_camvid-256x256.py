# HCFCN-32 with a cheaper DCN offset predictor (beyond the paper): Lite0's strided convs are
# depthwise, and DCNv2's full 3x3 offset convolution costs 27x such a layer (89% of HC's
# added FLOPs on Lite0 at 360x480: 0.27 of 0.30 GFLOPs). Here the offsets come from a
# depthwise 3x3 (started from the layer's own kernel) and a zero-initialised 1x1: the start
# is still exact. Everything else as hcfcn32_efflite0-in1k_*, compared with it by seed.
_base_ = ['./hcfcn32_efflite0-in1k_1xb8-1k_camvid-256x256.py']
model = dict(backbone=dict(dcn_offset_predictor='separable'))
