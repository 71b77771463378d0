"""The Superpixel Sampling Network (Jampani et al., ECCV 2018) as a segmentor: pixel features,
differentiable SLIC, the task-specific reconstruction loss on one-hot region labels plus the
compactness loss; at test, hard superpixels made connected. HCSSN (HC paper, Sec. 4.3) is
the same segmentor with ``HCSSNPixelFeatures``.
"""

from __future__ import annotations

import numpy as np
import torch
from mmengine.structures import PixelData
from mmseg.models.segmentors import BaseSegmentor
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg.utils import SampleList
from torch import Tensor

from ...ops.boundaries import label_edges
from ...ops.differentiable_slic import (
    compactness_loss,
    differentiable_slic,
    slic_cell_size,
    xylab_features,
)
from ...ops.superpixel_connectivity import enforce_connectivity
from ...ops.superpixel_fcn import hard_superpixels, one_hot_labels, superpixel_loss
from ..utils.precision import float32_compute
from .joint_superpixel_segmentor import _attach_superpixels, _gt_labels

# distances and means over hundreds of pixels by batched products: float32 under autocast
_slic = float32_compute(differentiable_slic)
_reconstruction = float32_compute(superpixel_loss)
_compactness = float32_compute(compactness_loss)


@MODELS.register_module()
class SSNSegmentor(BaseSegmentor):
    """SSN (or HCSSN) trained on BSDS500 region labels, predicting superpixels.

    The data preprocessor must leave the image as RGB in [0, 255] (``bgr_to_rgb=True``, no
    ``mean``/``std``): the network's input is the scaled CIELAB colour and position computed
    from it (``xylab_features``). Predictions carry ``pred_superpixels`` (ids, for
    ``SuperpixelMetric``) and, as ``pred_sem_seg``, the superpixels' boundaries (0/1, the
    classes of ``BSDS500Dataset``).

    Args:
        feature_net: ``SSNPixelFeatures`` or ``HCSSNPixelFeatures`` config.
        num_labels: one-hot size of the region labels (50, as SSN's BSDS500 loader).
        color_scale, pos_scale: of the input features (SSN: 0.26 and 2.5 per cell).
        compactness: weight of the compactness loss (1e-5; positions in pixels).
        ignore_index: region label left out of the reconstruction loss.
        train_cfg: ``num_superpixels`` (169) and SLIC iterations ``n_iter`` (5) in training.
        test_cfg: the same at test (``n_iter`` 10), plus ``enforce_connectivity`` (True).
    """

    def __init__(
        self,
        feature_net: dict,
        num_labels: int = 50,
        color_scale: float = 0.26,
        pos_scale: float = 2.5,
        compactness: float = 1e-5,
        ignore_index: int = 255,
        train_cfg: dict | None = None,
        test_cfg: dict | None = None,
        data_preprocessor: dict | None = None,
        init_cfg: dict | None = None,
    ) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        pre = data_preprocessor if isinstance(data_preprocessor, dict) else {}
        if pre.get('mean') is not None or pre.get('std') is not None:
            raise ValueError(
                'SSNSegmentor computes CIELAB from the RGB image in [0, 255]: its '
                f'data_preprocessor must not normalise, got mean={pre.get("mean")}, '
                f'std={pre.get("std")}'
            )
        self.feature_net = MODELS.build(feature_net)
        self.num_labels, self.ignore_index = num_labels, ignore_index
        self.color_scale, self.pos_scale, self.compactness = color_scale, pos_scale, compactness
        self.train_cfg = {**dict(num_superpixels=169, n_iter=5), **(train_cfg or {})}
        self.test_cfg = {
            **dict(num_superpixels=169, n_iter=10, enforce_connectivity=True),
            **(test_cfg or {}),
        }

    @property
    def num_classes(self) -> int:
        """Region labels one-hot encoded: what ``EncoderDecoder.num_classes`` says of its head
        (there is no decode head; the config tests draw their random labels below it)."""
        return self.num_labels

    def slic(self, inputs: Tensor, num_superpixels: int, n_iter: int) -> tuple[Tensor, int]:
        """Pixel features and differentiable SLIC on a batch.

        Args:
            inputs: (B, 3, H, W) RGB in [0, 255].
        Returns:
            the association (B, 9, H, W) and the grid's cell size S.
        """
        s = slic_cell_size(num_superpixels, inputs.shape[-2:])
        assoc, _ = _slic(self.pixel_features(inputs, s), s, n_iter)
        return assoc, s

    def pixel_features(self, inputs: Tensor, cell_size: int) -> Tensor:
        """(B, 3, H, W) RGB in [0, 255] -> the feature net's (B, C, H, W), on the XY-Lab
        input scaled for cells of ``cell_size``."""
        return self.feature_net(xylab_features(inputs, cell_size, self.color_scale, self.pos_scale))

    def extract_feat(self, inputs: Tensor) -> Tensor:
        s = slic_cell_size(self.test_cfg['num_superpixels'], inputs.shape[-2:])
        return self.pixel_features(inputs, s)

    def encode_decode(self, inputs: Tensor, batch_img_metas: list[dict]) -> Tensor:
        return self.slic(inputs, self.test_cfg['num_superpixels'], self.test_cfg['n_iter'])[0]

    def _forward(self, inputs: Tensor, data_samples: SampleList | None = None) -> Tensor:
        return self.encode_decode(inputs, [])

    def loss(self, inputs: Tensor, data_samples: SampleList) -> dict:
        """SSN's task-specific loss: cross-entropy of the one-hot region labels
        reconstructed pixel -> superpixel -> pixel through Q (``superpixel_loss``'s term,
        mean over pixels), plus ``compactness`` times :func:`compactness_loss`."""
        assoc, s = self.slic(inputs, self.train_cfg['num_superpixels'], self.train_cfg['n_iter'])
        labels = _gt_labels(data_samples)
        props = one_hot_labels(labels, self.num_labels, self.ignore_index).to(assoc.dtype)
        recon, _ = _reconstruction(assoc, props, s, m=0.0, distance='ce')
        return dict(loss_recon=recon, loss_compact=self.compactness * _compactness(assoc, s))

    @torch.no_grad()
    def superpixels(
        self, inputs: Tensor, num_superpixels: int | None = None, n_iter: int | None = None
    ) -> list[np.ndarray]:
        """Hard superpixels of a batch, made connected when ``test_cfg`` says so.

        Args:
            inputs: (B, 3, H, W) RGB in [0, 255] (one image, or images of one size).
            num_superpixels, n_iter: override ``test_cfg``'s.
        Returns:
            B arrays (H, W) of ids from 0.
        """
        k = num_superpixels or self.test_cfg['num_superpixels']
        assoc, s = self.slic(inputs, k, n_iter or self.test_cfg['n_iter'])
        labels = hard_superpixels(assoc, s).cpu().numpy()
        if not self.test_cfg['enforce_connectivity']:
            return list(labels)
        return [enforce_connectivity(lab, k) for lab in labels]

    def predict(self, inputs: Tensor, data_samples: SampleList | None = None) -> SampleList:
        if data_samples is None:
            size = tuple(inputs.shape[2:])
            data_samples = [
                SegDataSample(metainfo=dict(img_shape=size, ori_shape=size))
                for _ in range(inputs.shape[0])
            ]
        for x, sample in zip(inputs, data_samples):
            # each image at its own size: batch padding would change the grid and the SLIC
            h, w = sample.metainfo.get('img_shape', x.shape[-2:])[:2]
            (labels,) = self.superpixels(x[None, :, :h, :w])
            _attach_superpixels(torch.from_numpy(labels).to(x.device)[None], [sample])
            edges = label_edges(sample.pred_superpixels.data[0].cpu().numpy())
            sample.set_data(dict(pred_sem_seg=PixelData(data=torch.from_numpy(edges).long()[None])))
        return data_samples
