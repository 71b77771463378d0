"""CARAFE (Wang et al., "CARAFE: Content-Aware ReAssembly of FEatures", ICCV 2019)."""

from __future__ import annotations

import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import Tensor, nn

from ...ops.upsampling import check_upsample_size, reassemble


@MODELS.register_module()
class CARAFEUpsampler(nn.Module):
    """CARAFE: a kernel prediction module (channel compressor, content encoder, pixel shuffle,
    softmax; Sec. 3.2) and content-aware reassembly (``segplug.ops.upsampling.reassemble``).

    Chosen as the fourth upsampler over FADE and SAPA because, like bilinear and DySample, it
    reads only the map it upsamples: FADE and SAPA also need the encoder's high-resolution
    feature at the target size, which the FCN-32 / PSPNet-32 logits path does not have, and
    SAPA's released similarity kernels are compiled CUDA. mmcv's ``CARAFEPack`` is CUDA-only,
    so the reassembly here is plain torch (``reassemble_cells``, CPU and GPU alike).

    Args:
        channels: C of the maps it upsamples.
        scale: s (2 for every step here).
        up_kernel: k_up, reassembly kernel size (paper: 5).
        encoder_kernel: k_encoder (paper: 3).
        compressed_channels: C_m (paper: 64).
    """

    def __init__(
        self,
        channels: int,
        scale: int = 2,
        up_kernel: int = 5,
        encoder_kernel: int = 3,
        compressed_channels: int = 64,
    ) -> None:
        super().__init__()
        if up_kernel % 2 == 0 or encoder_kernel % 2 == 0:
            raise ValueError(
                f'CARAFEUpsampler: up_kernel={up_kernel} and '
                f'encoder_kernel={encoder_kernel} must be odd'
            )
        self.scale, self.up_kernel = scale, up_kernel
        self.compressor = nn.Conv2d(channels, compressed_channels, 1)
        self.encoder = nn.Conv2d(
            compressed_channels,
            scale * scale * up_kernel * up_kernel,
            encoder_kernel,
            padding=encoder_kernel // 2,
        )

    def forward(
        self, x: Tensor, size: tuple[int, int], assignments: list[Tensor] | None = None
    ) -> Tensor:
        """(B, C, h, w) -> (B, C, *size); ``size`` within one pixel of s (h, w) per side."""
        check_upsample_size(x.shape[-2:], size, self.scale, 'CARAFEUpsampler')
        kernels = F.pixel_shuffle(self.encoder(self.compressor(x)), self.scale)
        kernels = kernels[..., : size[0], : size[1]].softmax(dim=1)  # (B, k_up^2, H, W)
        return reassemble(x, kernels, self.up_kernel, self.scale)
