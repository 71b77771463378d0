"""Logit consistency in ``JointSuperpixelSegmentor`` averages over the same pixels in training
and in inference: every pixel of the image (the TI paper's Eq. 13 takes the mean over all of a
superpixel's pixels, labelled or not), batch padding left out in both."""

from __future__ import annotations

import copy

import torch
import torch.nn.functional as F

from tests.models.test_joint_superpixel_segmentor import batch, build, joint_cfg


def prepared(model, data: dict, training: bool) -> dict:
    return model.data_preprocessor(copy.deepcopy(data), training)


@torch.no_grad()
def test_training_loss_scores_the_logits_inference_predicts() -> None:
    """Labels with ignored pixels (the top rows), images of the crop size (no padding): the
    decode loss in training scores exactly the logits that inference computes for the same
    images; ``exclude_ignored=True`` (training only) breaks that."""
    data = batch(size=(40, 48))
    for exclude_ignored in (False, True):
        model = build(joint_cfg(fusion=None, exclude_ignored=exclude_ignored)).eval()
        scored = []
        loss_by_feat = model.decode_head.loss_by_feat
        model.decode_head.loss_by_feat = lambda logits, samples: (
            scored.append(logits),
            loss_by_feat(logits, samples),
        )[1]
        p = prepared(model, data, True)
        model.loss(p['inputs'], p['data_samples'])
        inferred = model.encode_decode(p['inputs'], [s.metainfo for s in p['data_samples']])
        same = torch.allclose(scored[0], inferred, atol=1e-7, rtol=0)
        assert same != exclude_ignored, exclude_ignored


@torch.no_grad()
def test_padding_is_left_out_of_the_means_in_inference() -> None:
    """A batch padded beyond a sample's image: inside the image every pixel holds the mean
    of the raw logits over its superpixel's pixels inside the image."""
    model = build(joint_cfg(fusion=None)).eval()
    raw = build(joint_cfg(fusion=None, consistency=False)).eval()
    p = prepared(model, batch(size=(37, 45), n=1), False)
    inputs = F.pad(p['inputs'], (0, 11, 0, 7))  # as SegDataPreProcessor pads: right, bottom
    metas = [dict(img_shape=(37, 45), ori_shape=(37, 45), pad_shape=(44, 56))]
    got = model.encode_decode(inputs, metas)[0]
    ref = raw.encode_decode(inputs, metas)[0]
    sp = model.superpixel_net.hard_superpixels(model.superpixel_net(inputs))[0]
    inside = torch.zeros(sp.shape, dtype=torch.bool)
    inside[:37, :45] = True
    for s in sp[inside].unique():
        members = (sp == s) & inside
        mean = ref[:, members].mean(1, keepdim=True)
        torch.testing.assert_close(
            got[:, members], mean.expand(-1, int(members.sum())), atol=1e-5, rtol=1e-5
        )
