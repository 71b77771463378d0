# HCFCN-32 with its assignments supervised by the labels (beyond the paper, issue 29 item 4):
# at both clustered levels the superpixel FCN's label-reconstruction loss on the CPP-pooled
# labels (segplug.models.losses.HCAssignmentLoss). Everything else as hcfcn32_efflite0-in1k.
_base_ = ['./hcfcn32_efflite0-in1k_1xb8-1k_camvid-256x256.py']
model = dict(assignment_loss=dict(type='HCAssignmentLoss', loss_weight=1.0))
