"""NYU Depth v2 (labelled .mat release) into 40-class PNG annotations; the command line is
``tools/dataset_converters/nyu_depth_v2.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from segplug.datasets.nyu import (
    NYU40_CLASSES,
    NYULabeledMat,
    load_nyu40_lut,
    load_nyu_splits,
    read_mat_variable,
)


def load_labels40(path: str, reader: NYULabeledMat) -> np.ndarray:
    """``labels40.mat`` as (H, W, N) uint8, checked against the labelled file."""
    arr = read_mat_variable(path, 'labels40')
    expected = (*reader.size, reader.num_frames)
    if arr.shape != expected:
        raise ValueError(
            f'{path}: labels40 has shape {arr.shape}, expected {expected} '
            '(H, W, N) to match the labelled file'
        )
    if arr.min() < 0 or arr.max() > len(NYU40_CLASSES):
        raise ValueError(f'{path}: labels40 values span {arr.min()}..{arr.max()}, expected 0..40')
    return arr.astype(np.uint8)


def convert(
    labeled: str, splits: str, out_dir: str, mapping: str | None = None, labels40: str | None = None
) -> tuple[dict[str, int], list[str], int]:
    """Convert both splits; return (frames written per split, problems, frames skipped)."""
    if (mapping is None) == (labels40 is None):
        raise ValueError(
            'give exactly one of --mapping (classMapping40.mat) and --labels40 (labels40.mat)'
        )
    out = Path(out_dir)
    problems: list[str] = []
    with NYULabeledMat(labeled) as reader:
        # every check that reads only metadata runs before the first file is written
        split_idx = load_nyu_splits(splits, reader.num_frames)
        lut = load_nyu40_lut(mapping, reader.num_raw_classes) if mapping else None
        mapped = load_labels40(labels40, reader) if labels40 else None
        unused = np.setdiff1d(
            np.arange(reader.num_frames), np.concatenate(list(split_idx.values()))
        )
        if unused.size:
            problems.append(
                f'{splits}: {unused.size} frames are in neither split and were '
                f'not converted (first: {(unused[:5] + 1).tolist()})'
            )
        done, skipped = {}, 0
        for split, frames in split_idx.items():
            (out / 'images' / split).mkdir(parents=True, exist_ok=True)
            (out / 'annotations' / split).mkdir(parents=True, exist_ok=True)
            done[split] = 0
            for k in frames:
                name = f'{k + 1:04d}'
                if lut is not None:
                    raw = reader.raw_labels(k)
                    if raw.max() >= len(lut):
                        bad = np.unique(raw[raw >= len(lut)])
                        problems.append(
                            f'{labeled}: frame {k + 1} has raw class ids '
                            f"{bad[:5].tolist()} beyond the mapping's "
                            f'{len(lut) - 1}: skipped'
                        )
                        skipped += 1
                        continue
                    ann = lut[raw]
                else:
                    ann = mapped[:, :, k]
                Image.fromarray(reader.image(k)).save(
                    out / 'images' / split / f'{name}.jpg', quality=95
                )
                Image.fromarray(ann).save(out / 'annotations' / split / f'{name}.png')
                done[split] += 1
    return done, problems, skipped
