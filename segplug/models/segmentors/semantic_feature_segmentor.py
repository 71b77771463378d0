"""EncoderDecoder that also learns per-pixel semantic features (Semantic Soft Segmentation).

Names of the method: its pieces share the ``SemanticFeature`` prefix (the paper's "semantic
features", supplement Sec. 1): ``SemanticFeatureEncoderDecoder`` (this segmentor) and
``SemanticFeatureLoss`` (Eq. 1); the head keeps the paper's architecture name,
``HypercolumnHead``; the math is ``segplug.ops.metric_learning``; the configs are
``configs/semantic_features/``. The earlier names ``FeatureEncoderDecoder`` and
``PixelMetricLoss`` stay registered as aliases, so old configs build the same classes.
"""

from __future__ import annotations

from collections.abc import Sequence

from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, SampleList
from torch import Tensor

from ..utils.capture import Tap, capture


@MODELS.register_module()
class SemanticFeatureEncoderDecoder(EncoderDecoder):
    """MMSegmentation's ``EncoderDecoder`` plus a hypercolumn feature head (supplement Sec. 1).

    The feature head sees ``[image, *taps, *backbone outputs]``: the normalised input, the
    outputs of the backbone submodules named in ``tap_modules`` (captured by forward hooks,
    so any MMSegmentation backbone works unchanged; ``'maxpool'`` is ResNet's pool1, which
    MMSegmentation's ResNet does not return) and the backbone's multi-scale outputs (before
    the neck). It is trained with its own loss (``SemanticFeatureLoss``), beside the usual
    decode head (and auxiliary heads), whose predictions ``predict`` returns unchanged; set
    the decode head's ``loss_weight`` to 0 to train the features with Eq. 1 alone.
    ``extract_semantic_features`` gives the (B, d, H, W) features.

    Args:
        feature_head: config of the feature head (``HypercolumnHead``).
        tap_modules: dotted names of backbone submodules whose outputs are tapped.
    """

    def __init__(
        self,
        backbone: ConfigType,
        decode_head: ConfigType,
        feature_head: ConfigType,
        tap_modules: Sequence[str] = (),
        **kwargs,
    ) -> None:
        super().__init__(backbone=backbone, decode_head=decode_head, **kwargs)
        self.feature_head = MODELS.build(feature_head)
        self.tap_modules = list(tap_modules)
        modules = dict(self.backbone.named_modules())
        for name in self.tap_modules:
            if name not in modules:
                raise ValueError(
                    f'tap_modules: the backbone has no submodule {name!r} '
                    f'(e.g. {[n for n in modules if n][:8]})'
                )

    def _hypercolumn_inputs(self, inputs: Tensor) -> tuple[list[Tensor], list[Tensor]]:
        """One backbone pass: (feature-head inputs, decode-head inputs after the neck)."""
        modules = dict(self.backbone.named_modules())
        with capture({n: Tap(modules[n]) for n in self.tap_modules}) as tapped:
            x = self.backbone(inputs)
        taps = [tapped[n] for n in self.tap_modules]
        decode_in = self.neck(x) if self.with_neck else x
        return [inputs, *taps, *x], decode_in

    def extract_semantic_features(self, inputs: Tensor) -> Tensor:
        """(B, 3, H, W) normalised images -> (B, d, H, W) semantic features."""
        hc_inputs, _ = self._hypercolumn_inputs(inputs)
        return self.feature_head(hc_inputs)

    def loss(self, inputs: Tensor, data_samples: SampleList) -> dict:
        hc_inputs, x = self._hypercolumn_inputs(inputs)
        losses = dict()
        losses.update(self._decode_head_forward_train(x, data_samples))
        if self.with_auxiliary_head:
            losses.update(self._auxiliary_head_forward_train(x, data_samples))
        feat_losses = self.feature_head.loss(hc_inputs, data_samples, self.train_cfg)
        losses.update({f'feat.{k}': v for k, v in feat_losses.items()})
        return losses


# the earlier registry name (configs written before the rename)
MODELS.register_module(name='FeatureEncoderDecoder', module=SemanticFeatureEncoderDecoder)
