"""Join a segmenter and a superpixel FCN checkpoint for ``JointSuperpixelSegmentor``.

SEGMENTER: any MMSegmentation ``EncoderDecoder`` checkpoint (``backbone.*``,
``decode_head.*``, ``auxiliary_head.*`` keys). SUPERPIXEL: the superpixel FCN's checkpoint
(keys ``superpixel_net.*``) or a bare ``SuperpixelFCN`` state dict (its keys get the prefix).
MMEngine loads one checkpoint per model, hence the join; the command line is
``tools/join_checkpoints.py``.
"""

from __future__ import annotations

from pathlib import Path

import torch

from .checkpoint import read_checkpoint

SEG_PARTS = ('backbone.', 'decode_head.')
SP_PREFIX = 'superpixel_net.'


def _state_dict(path: str) -> dict[str, torch.Tensor]:
    if not Path(path).is_file():
        raise FileNotFoundError(f'{path}: checkpoint not found')
    ckpt = read_checkpoint(path)  # a truncated or corrupt file is an error naming it
    state = ckpt.get('state_dict', ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(state, dict) or not state:
        raise ValueError(f'{path}: no state dict in this file')
    return {k.removeprefix('module.'): v for k, v in state.items()}


def join_checkpoints(segmenter: str, superpixel: str) -> dict[str, torch.Tensor]:
    """The joined state dict: the segmenter's keys and ``superpixel_net.*``.

    Raises ``FileNotFoundError`` / ``ValueError`` naming the file and what its keys lack
    (a superpixel FCN given as the segmenter, a segmenter given as the superpixel FCN, a
    segmenter that already holds ``superpixel_net.*``).
    """
    seg = _state_dict(segmenter)
    lacking = [p for p in SEG_PARTS if not any(k.startswith(p) for k in seg)]
    if lacking:
        raise ValueError(
            f'{segmenter}: no {lacking} keys: not a segmenter checkpoint '
            f'(its keys start with {sorted({k.split(".")[0] for k in seg})})'
        )
    if any(k.startswith(SP_PREFIX) for k in seg):
        raise ValueError(f'{segmenter}: already holds {SP_PREFIX}* keys (a joined model?)')
    sp = _state_dict(superpixel)
    if any(k.startswith(SP_PREFIX) for k in sp):
        sp = {k: v for k, v in sp.items() if k.startswith(SP_PREFIX)}
    elif any(k.startswith(SEG_PARTS) for k in sp):
        raise ValueError(
            f'{superpixel}: a segmenter checkpoint, not the superpixel FCN (no {SP_PREFIX}* keys)'
        )
    else:  # a bare SuperpixelFCN state dict
        sp = {SP_PREFIX + k: v for k, v in sp.items()}
    return {**seg, **sp}
