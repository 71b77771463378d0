"""Publish a training checkpoint: weights and metadata only, the hash in the file name.

MMSegmentation's ``tools/misc/publish_model.py`` convention: ``OUT.pth`` is written as
``OUT-<first 8 hex of its sha256>.pth``, the name ``torch.hub`` / MMEngine check a downloaded
file against (``check_hash``). Unlike MMSegmentation 1.2.2's script, which hashes the *input*
file (so the name never matches the published file), the hash here is the published file's.
"""

from __future__ import annotations

import hashlib
import os
import os.path as osp

import torch

from ..engine.checkpoint import read_checkpoint

#: what a published checkpoint keeps; optimizer, schedulers, message hub, EMA copy go
KEEP = ('meta', 'state_dict')
_BLOCK = 1 << 20


def sha256sum(path: str) -> str:
    """Hex SHA-256 of a file, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(_BLOCK), b''):
            digest.update(block)
    return digest.hexdigest()


def publish_checkpoint(in_file: str, out_file: str) -> str:
    """Write ``in_file``'s ``meta`` and ``state_dict`` to ``OUT-<sha256[:8]>.pth``.

    Args:
        in_file: a checkpoint saved by MMEngine's runner (or any dict with ``state_dict``).
        out_file: ``OUT.pth``; the hash goes before ``.pth``.
    Returns:
        The path written.
    Raises:
        FileNotFoundError: ``in_file`` missing. ValueError: ``in_file`` not a checkpoint
        with a ``state_dict``, or ``out_file`` not ending in ``.pth``.
    """
    if not out_file.endswith('.pth'):
        raise ValueError(f'out_file must end in .pth, got {out_file}')
    checkpoint = read_checkpoint(in_file)
    if 'state_dict' not in checkpoint:
        raise ValueError(
            f'{in_file}: no state_dict (top-level keys: {", ".join(sorted(map(str, checkpoint)))})'
        )
    published = {k: checkpoint[k] for k in KEEP if k in checkpoint}
    os.makedirs(osp.dirname(osp.abspath(out_file)), exist_ok=True)
    tmp = out_file + '.tmp'
    torch.save(published, tmp)
    final = f'{out_file[: -len(".pth")]}-{sha256sum(tmp)[:8]}.pth'
    os.replace(tmp, final)
    return final
