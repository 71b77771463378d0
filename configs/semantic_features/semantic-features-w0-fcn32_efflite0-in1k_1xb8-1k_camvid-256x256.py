# Control of semantic-features-fcn32_efflite0-in1k_... (issue 34): cross-entropy alone. The
# hypercolumn head stays, with Eq. 1 at weight 0, so that the probes read the same d = 128
# features of a model that saw no metric loss: the head keeps its seeded initialisation (the
# same as the method's at the same seed), a fixed projection of the backbone that
# cross-entropy trains. Same cost per iteration as the method (the loss is still computed).
_base_ = ['./semantic-features-fcn32_efflite0-in1k_1xb8-1k_camvid-256x256.py']
model = dict(feature_head=dict(loss_decode=dict(loss_weight=0.0)))
