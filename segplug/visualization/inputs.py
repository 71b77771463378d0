"""One image as a model's input, normalised as its data preprocessor does."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor


def model_input(model: torch.nn.Module, image_bgr: np.ndarray) -> Tensor:
    """(1, 3, H, W) float input on the model's device from one (H, W, 3) BGR uint8 image.

    RGB order, minus the preprocessor's ``mean``, over its ``std`` (what
    ``SegDataPreProcessor`` does with ``bgr_to_rgb=True``), without padding or resizing.
    """
    pre = model.data_preprocessor
    x = torch.from_numpy(image_bgr[..., ::-1].copy()).permute(2, 0, 1).float()[None]
    x = (x - pre.mean.cpu()) / pre.std.cpu()
    return x.to(next(model.parameters()).device)
