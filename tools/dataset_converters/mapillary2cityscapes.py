"""Convert Mapillary Vistas v1.2 labels to Cityscapes train ids (SeeThroughNet, Table 4).

    python tools/dataset_converters/mapillary2cityscapes.py MAPILLARY_ROOT OUT_DIR
        [--splits training validation] [--version v1.2]

Reads Mapillary's own layout, ``{split}/images/*.jpg`` and ``{split}/v1.2/labels/*.png``
(palette PNGs whose index is the v1.2 class id), or a flat ``images/`` + ``v1.2/`` folder as
in MMSegmentation's test samples, and writes MMSegmentation's layout:
``OUT_DIR/img_dir/{split}/*.jpg`` (images are linked, not copied) and
``OUT_DIR/ann_dir/{split}/*.png`` (grey PNGs of Cityscapes train ids, 255 = ignore).
Load them with ``CityscapesDataset(img_suffix='.jpg', seg_map_suffix='.png')``
(``configs/_base_/datasets/mapillary_cityscapes.py``).

Every input is checked first: a label that is missing, unreadable, not single-channel, of a
size other than its image's, or holding ids outside v1.2's 66 classes is reported with its
path and not converted; the rest are. The exit status is 1 when anything was skipped.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from segplug.datasets.checks import read_label_ids
from segplug.datasets.mapillary import MAPILLARY_V12_CLASSES, mapillary_to_cityscapes_lut


def find_split(root: Path, split: str, version: str) -> tuple[Path, Path] | None:
    """(image folder, label folder) of a split in Mapillary's or the flat layout."""
    for images, labels in (
        (root / split / 'images', root / split / version / 'labels'),
        (root / split / 'images', root / split / version),
        (root / 'images', root / version),
    ):
        if images.is_dir() and labels.is_dir():
            return images, labels
    return None


def convert_one(
    img: Path, label: Path, lut: np.ndarray, out_img: Path, out_ann: Path
) -> str | None:
    """Convert one pair; return why it was skipped, or None."""
    ids, problem = read_label_ids(img, label)
    if problem:
        return problem
    if int(ids.max()) >= len(MAPILLARY_V12_CLASSES):
        return (
            f'{label}: class id {int(ids.max())} is not a v1.2 id (0..'
            f'{len(MAPILLARY_V12_CLASSES) - 1}): is this a v2.0 label?'
        )
    Image.fromarray(lut[ids]).save(out_ann)
    if not out_img.exists():
        os.symlink(img.resolve(), out_img)
    return None


def convert(
    root: str,
    out_dir: str,
    splits: list[str],
    version: str = 'v1.2',
    out_splits: dict[str, str] | None = None,
) -> tuple[int, list[str]]:
    """Convert every split; return (pairs converted, problems)."""
    lut = mapillary_to_cityscapes_lut()
    rootp, outp = Path(root), Path(out_dir)
    if not rootp.is_dir():
        raise FileNotFoundError(f'Mapillary root not found: {root}')
    done, problems = 0, []
    for split in splits:
        found = find_split(rootp, split, version)
        if found is None:
            problems.append(
                f'{rootp / split}: no images/ and {version}/labels/ folders '
                f'(nor {rootp}/images and {rootp}/{version})'
            )
            continue
        images, labels = found
        name = (out_splits or {}).get(split, split)
        (outp / 'img_dir' / name).mkdir(parents=True, exist_ok=True)
        (outp / 'ann_dir' / name).mkdir(parents=True, exist_ok=True)
        files = sorted(images.glob('*.jpg'))
        if not files:
            problems.append(f'{images}: no .jpg images')
        for img in files:
            why = convert_one(
                img,
                labels / f'{img.stem}.png',
                lut,
                outp / 'img_dir' / name / img.name,
                outp / 'ann_dir' / name / f'{img.stem}.png',
            )
            if why:
                problems.append(why)
            else:
                done += 1
    return done, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('root', help='Mapillary Vistas root')
    parser.add_argument('out_dir')
    parser.add_argument(
        '--splits',
        nargs='+',
        default=['training', 'validation'],
        help="Mapillary's split folders; '.' for a flat images/ + v1.2/",
    )
    parser.add_argument(
        '--version', default='v1.2', choices=['v1.2'], help='label version (Table 4 is a v1.2 rule)'
    )
    args = parser.parse_args(argv)
    done, problems = convert(
        args.root,
        args.out_dir,
        args.splits,
        args.version,
        {'training': 'train', 'validation': 'val', '.': 'train'},
    )
    print(f'converted {done} image/label pairs into {args.out_dir}')
    if problems:
        print(f'could not convert {len(problems)}:', *problems, sep='\n  ')
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
