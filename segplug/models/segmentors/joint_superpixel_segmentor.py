"""Joint semantic segmentation and superpixel learning (the joint superpixel paper, Fig. 2):
a semantic segmentation network and the superpixel FCN joined by a TI fusion head, with
logit consistency over the predicted superpixels; and the superpixel FCN alone, for its
pretraining on BSDS500.
"""

from __future__ import annotations

import torch
from mmengine.structures import PixelData
from mmseg.models.segmentors import BaseSegmentor, EncoderDecoder
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from mmseg.utils import SampleList, add_prefix
from torch import Tensor, nn

from ...ops.logit_consistency import logit_consistency
from ...ops.soft_clustering import NEIGHBOURS
from ...ops.superpixel_fcn import one_hot_labels, rgb_to_lab
from ..utils.precision import float32_compute

# superpixel means over up to thousands of pixels: float32 under autocast
_consistent_logits = float32_compute(logit_consistency)


def _gt_labels(data_samples: SampleList) -> Tensor:
    return torch.stack([s.gt_sem_seg.data[0] for s in data_samples]).long()


def _superpixel_losses(
    net: nn.Module, assoc: Tensor, labels: Tensor, num_classes: int, cfg: dict, ignore_index: int
) -> dict:
    """Eq. 1 of the superpixel network ``net`` with one-hot semantic labels as the property
    (``cfg``: weight, m)."""
    props = one_hot_labels(labels, num_classes, ignore_index).to(assoc.dtype)
    rec, pos = net.reconstruction_loss(assoc, props, m=cfg.get('m', 0.003), distance='ce')
    w = cfg.get('loss_weight', 1.0)
    return dict(loss_recon=w * rec, loss_pos=w * pos)


def _inside_image(inputs: Tensor, batch_img_metas: list[dict]) -> Tensor | None:
    """(B, H, W) bool, True on each sample's image (``img_shape``), False on the batch padding
    (mmseg pads right and bottom); None when nothing is padded."""
    size = tuple(inputs.shape[-2:])
    shapes = [tuple(m.get('img_shape', size))[:2] for m in batch_img_metas]
    if all(s == size for s in shapes):
        return None
    inside = torch.zeros(len(shapes), *size, dtype=torch.bool, device=inputs.device)
    for mask, (h, w) in zip(inside, shapes):
        mask[:h, :w] = True
    return inside


def _attach_superpixels(labels: Tensor, data_samples: SampleList) -> None:
    """(B, H, W) hard superpixels at each sample's original size, as ``pred_superpixels``."""
    for lab, sample in zip(labels, data_samples):
        h, w = sample.metainfo.get('img_shape', lab.shape)
        lab = lab[:h, :w]
        ori = sample.metainfo.get('ori_shape', lab.shape)
        if tuple(ori) != tuple(lab.shape):
            lab = resize(lab[None, None].float(), size=tuple(ori), mode='nearest')[0, 0].long()
        sample.set_data(dict(pred_superpixels=PixelData(data=lab[None])))


@MODELS.register_module()
class JointSuperpixelSegmentor(EncoderDecoder):
    """``EncoderDecoder`` + superpixel FCN + TI fusion + logit consistency (Eq. 13-14).

    The decode head's logits are upsampled to the input size, concatenated with the
    superpixel FCN's association map and passed through the fusion head (TI: the identity at
    step 0); then every pixel takes the mean logit of its hard superpixel, over the pixels of
    the image (Eq. 13 averages over all of a superpixel's pixels, labelled or not; batch
    padding is left out), in training and inference alike. The decode loss is
    the head's own ``loss_by_feat``; the superpixel FCN is trained jointly with Eq. 1 on
    one-hot semantic labels. Any MMSegmentation decode head (and auxiliary heads) works.

    Args:
        superpixel_net: config of the superpixel network (``SuperpixelFCN``).
        fusion: config of the fusion head (``TIFusionHead``; ``num_classes`` and
            ``superpixel_channels`` filled in), or None to join without fusion layers (the
            paper's "SP" row).
        consistency: apply logit consistency (train and test).
        exclude_ignored: in training, also leave pixels labelled ``ignore_index`` (void) out
            of the superpixel means. Off by default: inference has no labels, so those pixels
            are in its means, and the paper (Eq. 13) averages over every pixel.
        superpixel_loss: ``dict(loss_weight=1.0, m=0.003)`` for Eq. 1, or None for no loss.
        **kwargs: ``EncoderDecoder``'s.
    """

    def __init__(
        self,
        superpixel_net: dict,
        fusion: dict | None = None,
        consistency: bool = True,
        exclude_ignored: bool = False,
        superpixel_loss: dict | None = None,
        **kwargs,
    ) -> None:
        super().__init__(**kwargs)
        self.superpixel_net = MODELS.build(superpixel_net)
        self.fusion = None
        if fusion is not None:
            fusion = dict(fusion)
            fusion.setdefault('num_classes', self.num_classes)
            fusion.setdefault('superpixel_channels', NEIGHBOURS)
            self.fusion = MODELS.build(fusion)
        self.consistency = consistency
        self.exclude_ignored = exclude_ignored
        self.superpixel_loss_cfg = superpixel_loss

    def joint_logits(
        self, inputs: Tensor, feats: list[Tensor], valid: Tensor | None = None
    ) -> tuple[Tensor, Tensor]:
        """Fused, consistent logits (B, N_l, H, W) and the association map (B, 9, H, W)."""
        logits = resize(
            self.decode_head.forward(feats),
            size=inputs.shape[2:],
            mode='bilinear',
            align_corners=self.align_corners,
        )
        assoc = self.superpixel_net(inputs)
        if self.fusion is not None:
            logits = self.fusion(logits, assoc)
        if self.consistency:
            net = self.superpixel_net
            # hard labels are piecewise constant: no gradient flows through the argmax, the
            # superpixel FCN learns through the fusion input and Eq. 1
            sp = net.hard_superpixels(assoc.detach())
            logits = _consistent_logits(
                logits, sp, valid, num_superpixels=net.num_superpixels(inputs.shape[2:])
            )
        return logits, assoc

    def encode_decode(self, inputs: Tensor, batch_img_metas: list[dict]) -> Tensor:
        logits, _ = self.joint_logits(
            inputs, self.extract_feat(inputs), _inside_image(inputs, batch_img_metas)
        )
        return self.decode_head.predict_by_feat(logits, batch_img_metas)

    def loss(self, inputs: Tensor, data_samples: SampleList) -> dict:
        feats = self.extract_feat(inputs)
        labels = _gt_labels(data_samples)
        ignore = self.decode_head.ignore_index
        valid = _inside_image(inputs, [s.metainfo for s in data_samples])
        if self.exclude_ignored and labels.shape[-2:] == inputs.shape[-2:]:
            labelled = labels != ignore
            valid = labelled if valid is None else valid & labelled
        logits, assoc = self.joint_logits(inputs, feats, valid)
        losses = add_prefix(self.decode_head.loss_by_feat(logits, data_samples), 'decode')
        if self.with_auxiliary_head:
            losses.update(self._auxiliary_head_forward_train(feats, data_samples))
        if self.superpixel_loss_cfg is not None:
            losses.update(
                add_prefix(
                    _superpixel_losses(
                        self.superpixel_net,
                        assoc,
                        labels,
                        self.num_classes,
                        self.superpixel_loss_cfg,
                        ignore,
                    ),
                    'superpixel',
                )
            )
        return losses

    def predict(self, inputs: Tensor, data_samples: SampleList | None = None) -> SampleList:
        samples = super().predict(inputs, data_samples)
        if self.test_cfg.get('mode', 'whole') == 'whole':
            with torch.no_grad():
                net = self.superpixel_net
                _attach_superpixels(net.hard_superpixels(net(inputs)), samples)
        return samples


@MODELS.register_module()
class SuperpixelNetSegmentor(BaseSegmentor):
    """The superpixel FCN alone, trained with Eq. 1 on one-hot region labels (its BSDS500
    pretraining). Predictions carry ``pred_superpixels`` (for ``SuperpixelMetric``) and, as
    ``pred_sem_seg``, the same ids.

    Args:
        superpixel_net: ``SuperpixelFCN`` config.
        num_labels: one-hot size of the region labels (50 in the reference; larger region
            ids are ignored).
        m: Eq. 1's compactness weight.
        ignore_index: label left out of the property term.
        colour_weight: weight of a second property term, the L2 reconstruction of CIELAB
            colour (Eq. 1 with the colour property; 0 = labels only, as the reference's
            BSDS500 training).
    """

    def __init__(
        self,
        superpixel_net: dict,
        num_labels: int = 50,
        m: float = 0.003,
        ignore_index: int = 255,
        colour_weight: float = 0.0,
        data_preprocessor: dict | None = None,
        init_cfg: dict | None = None,
    ) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.superpixel_net = MODELS.build(superpixel_net)
        self.num_labels, self.m, self.ignore_index = num_labels, m, ignore_index
        self.colour_weight = colour_weight
        # the preprocessor's normalisation, as configured, to undo it for the colour term;
        # non-persistent, so checkpoints hold the same keys as before
        pre = data_preprocessor if isinstance(data_preprocessor, dict) else {}
        for name, key in (('pixel_mean', 'mean'), ('pixel_std', 'std')):
            value = pre.get(key)
            if value is not None:
                value = torch.tensor(value, dtype=torch.float32).view(-1, 1, 1)
            self.register_buffer(name, value, persistent=False)

    @property
    def num_classes(self) -> int:
        """Region labels one-hot encoded (there is no decode head: tools read this)."""
        return self.num_labels

    def extract_feat(self, inputs: Tensor) -> Tensor:
        return self.superpixel_net(inputs)

    def encode_decode(self, inputs: Tensor, batch_img_metas: list[dict]) -> Tensor:
        return self.superpixel_net(inputs)

    def loss(self, inputs: Tensor, data_samples: SampleList) -> dict:
        assoc = self.superpixel_net(inputs)
        net = self.superpixel_net
        losses = _superpixel_losses(
            net, assoc, _gt_labels(data_samples), self.num_labels, dict(m=self.m), self.ignore_index
        )
        if self.colour_weight > 0:
            colour = net.reconstruction_loss(assoc, self._lab(inputs), m=0.0, distance='l2')[0]
            losses['loss_colour'] = self.colour_weight * colour
        return losses

    def _lab(self, inputs: Tensor) -> Tensor:
        """CIELAB of the (normalised, RGB-ordered) inputs: undo the preprocessor's scaling."""
        rgb = inputs * self.pixel_std + self.pixel_mean if self.pixel_mean is not None else inputs
        return rgb_to_lab((rgb / 255).clamp(0, 1))

    def predict(self, inputs: Tensor, data_samples: SampleList | None = None) -> SampleList:
        assoc = self.superpixel_net(inputs)
        if data_samples is None:
            from mmseg.structures import SegDataSample

            data_samples = [
                SegDataSample(metainfo=dict(img_shape=inputs.shape[2:], ori_shape=inputs.shape[2:]))
                for _ in range(inputs.shape[0])
            ]
        _attach_superpixels(self.superpixel_net.hard_superpixels(assoc), data_samples)
        for s in data_samples:
            s.set_data(dict(pred_sem_seg=PixelData(data=s.pred_superpixels.data)))
        return data_samples

    def _forward(self, inputs: Tensor, data_samples: SampleList | None = None) -> Tensor:
        return self.superpixel_net(inputs)
