"""EncoderDecoder whose head logits are upsampled by a configurable upsampler."""

from __future__ import annotations

from typing import Any

from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS
from mmseg.utils import SampleList
from torch import Tensor, nn

from ..upsamplers import HCUpsampler, build_upsampler
from ..utils import HCFeatures


@MODELS.register_module()
class UpsamplerEncoderDecoder(EncoderDecoder):
    """MMSegmentation's ``EncoderDecoder`` whose decode head's logits (e.g. FCN-32's or
    PSPNet-32's at stride 32) go through ``steps`` x2 ``upsampler`` steps, each to the size
    of the next finer backbone feature map (32 -> 16 -> 8 for 2 steps, as HCFCN-32 decodes
    through hc_levels=2), then bilinearly to the input inside the head's own
    ``loss_by_feat`` / ``predict_by_feat``, as in MMSegmentation.

    Auxiliary heads are unchanged (bilinear, training only). HC's cluster decoding has one
    segmentor, ``HCEncoderDecoder`` (it also decodes auxiliary heads and takes the
    assignment loss); ``HCUpsampler`` here is refused with that advice.

    Args:
        upsampler: config of one step, e.g. ``dict(type='DySample', groups=1)``; its channels
            are the head's ``out_channels``.
        upsample_steps: number of learned x2 steps.
        **kwargs: ``EncoderDecoder``'s.
    """

    def __init__(
        self,
        upsampler: dict = dict(type='BilinearUpsampler'),
        upsample_steps: int = 2,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if upsample_steps < 1:
            raise ValueError(f'upsample_steps must be >= 1, got {upsample_steps}')
        if upsampler.get('type') in ('HCUpsampler', HCUpsampler):
            raise ValueError(
                "UpsamplerEncoderDecoder: upsampler=dict(type='HCUpsampler') decodes through "
                "the HC clusters, which is HCEncoderDecoder's job: use type='HCEncoderDecoder' "
                '(the head logits through every clustered level, auxiliary heads too)'
            )
        self.upsamplers = nn.ModuleList(
            build_upsampler(upsampler, self.decode_head.out_channels) for _ in range(upsample_steps)
        )

    def upsample_logits(self, logits: Tensor, feats: Any) -> Tensor:
        """(B, K, h, w) -> (B, K, H', W') at the size of the ``steps``-th finer feature map."""
        assignments = feats.assignments if isinstance(feats, HCFeatures) else None
        area = logits.shape[-2] * logits.shape[-1]
        sizes = sorted(
            {tuple(f.shape[-2:]) for f in feats if f.shape[-2] * f.shape[-1] > area},
            key=lambda s: s[0] * s[1],
        )
        if len(sizes) < len(self.upsamplers):
            raise ValueError(
                f'UpsamplerEncoderDecoder: upsample_steps={len(self.upsamplers)} '
                f'but the backbone has only {len(sizes)} feature sizes finer than '
                f'the logits {tuple(logits.shape[-2:])}'
            )
        for up, size in zip(self.upsamplers, sizes):
            logits = up(logits, size, assignments)
        return logits

    def _forward(self, inputs: Tensor, data_samples: SampleList | None = None) -> Tensor:
        x = self.extract_feat(inputs)
        return self.upsample_logits(self.decode_head.forward(x), x)

    def encode_decode(self, inputs: Tensor, batch_img_metas: list[dict]) -> Tensor:
        x = self.extract_feat(inputs)
        logits = self.upsample_logits(self.decode_head.forward(x), x)
        return self.decode_head.predict_by_feat(logits, batch_img_metas)

    def _decode_head_forward_train(self, inputs: Any, data_samples: SampleList) -> dict:
        logits = self.upsample_logits(self.decode_head.forward(inputs), inputs)
        loss = self.decode_head.loss_by_feat(logits, data_samples)
        return {f'decode.{k}': v for k, v in loss.items()}
