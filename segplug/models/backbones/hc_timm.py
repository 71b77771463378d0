"""Hierarchical soft clustering around any timm backbone with multi-scale features."""

from __future__ import annotations

from typing import Any, Sequence

import timm
import torch.nn as nn
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor

from ..utils import HCFeatures, SoftClustering


@MODELS.register_module()
class HCTimmBackbone(BaseModule):
    """A timm model (``features_only=True``) whose stride-doubling stages also cluster.

    Beyond the paper, which plugs the clustering into ResNet's downsampling layers: here
    each pair of consecutive feature levels whose stride doubles (s -> 2s) gets a
    :class:`SoftClustering`, with the stride-s features as pixels and the stride-2s stage
    output as seeds (the stage-level analogue of the paper's ``block`` sampling branch). The
    timm model's feed-forward path is untouched, so ResNeSt, ConvNeXt, RegNet, ... all work;
    floor-sized downsampling (ConvNeXt's 2x2 stride-2 conv on odd sizes) is handled.

    Args:
        model_name: any timm model that supports ``features_only``.
        hc_levels: how many of the last stride-doubling pairs cluster (paper: 2).
        out_indices: timm's feature levels to return (default: all).
        checkpoint_path: local timm weights to load (no model hub is needed).
        cluster_dim, tau, learnable_tau: of :class:`SoftClustering`.
        **timm_kwargs: passed to ``timm.create_model``.
    """

    def __init__(
        self,
        model_name: str,
        hc_levels: int = 2,
        out_indices: Sequence[int] | None = None,
        checkpoint_path: str = '',
        cluster_dim: int = 64,
        tau: float = 0.07,
        learnable_tau: bool = False,
        init_cfg: dict | None = None,
        **timm_kwargs: Any,
    ) -> None:
        super().__init__(init_cfg)
        kwargs = dict(
            features_only=True, pretrained=False, checkpoint_path=checkpoint_path, **timm_kwargs
        )
        if out_indices is not None:
            kwargs['out_indices'] = tuple(out_indices)
        self.timm_model = timm.create_model(model_name, **kwargs)
        channels = self.timm_model.feature_info.channels()
        strides = self.timm_model.feature_info.reduction()
        pairs = [(i, i + 1) for i in range(len(strides) - 1) if strides[i + 1] == 2 * strides[i]]
        if not 1 <= hc_levels <= len(pairs):
            raise ValueError(
                f'hc_levels={hc_levels}, but {model_name} with feature strides '
                f'{strides} has {len(pairs)} stride-doubling level pairs'
            )
        self.pairs = pairs[-hc_levels:]
        self.clusterings = nn.ModuleList(
            SoftClustering(channels[i], channels[j], cluster_dim, tau, learnable_tau)
            for i, j in self.pairs
        )

    def forward(self, x: Tensor) -> HCFeatures:
        """(B, 3, H, W) -> timm's features, with ``assignments`` coarse to fine."""
        feats = self.timm_model(x)
        assignments = [
            cl(feats[i], feats[j])
            for (i, j), cl in zip(reversed(self.pairs), reversed(self.clusterings))
        ]
        return HCFeatures(feats, assignments)
