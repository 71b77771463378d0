"""CamVid (SegNet tutorial layout) into the configs' layout; the command line is
``tools/dataset_converters/camvid.py``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from PIL import Image

from segplug.datasets.camvid import CAMVID_UNLABELLED
from segplug.datasets.checks import read_label_ids

SPLITS = ('train', 'val', 'test')


def check_pair(img: Path, label: Path) -> str | None:
    """Why an image/label pair cannot be used, or None when it can."""
    ids, problem = read_label_ids(img, label)
    if problem:
        return problem
    if int(ids.max()) > CAMVID_UNLABELLED:
        return (
            f'{label}: class id {int(ids.max())} is not a CamVid id (0..10, '
            f'{CAMVID_UNLABELLED} = Unlabelled): is this a colour label?'
        )
    return None


def _place(src: Path, dst: Path, link: bool) -> None:
    if dst.is_symlink() or dst.exists():
        dst.unlink()
    if link:
        os.symlink(src.resolve(), dst)
    else:
        shutil.copyfile(src, dst)


def convert(
    segnet_dir: str,
    out_dir: str,
    splits: tuple[str, ...] = SPLITS,
    img_format: str = 'jpg',
    link: bool = False,
) -> tuple[dict[str, int], list[str]]:
    """Convert the SegNet CamVid folder; return (pairs written per split, problems).

    Raises:
        FileNotFoundError: ``segnet_dir`` is missing or holds none of the split folders.
        ValueError: ``img_format`` is neither 'jpg' nor 'png'.
    """
    if img_format not in ('jpg', 'png'):
        raise ValueError(f"img_format={img_format!r}: expected 'jpg' or 'png'")
    root, out = Path(segnet_dir), Path(out_dir)
    if not root.is_dir():
        raise FileNotFoundError(f'SegNet CamVid folder not found: {root}')
    present = [s for s in splits if (root / s).is_dir() or (root / f'{s}annot').is_dir()]
    if not present:
        hint = f' (did you mean {root / "CamVid"}?)' if (root / 'CamVid').is_dir() else ''
        raise FileNotFoundError(
            f'{root}: none of the folders {", ".join(f"{s}/ {s}annot/" for s in splits)}{hint}'
        )
    done, problems = {}, []
    for split in splits:
        images, labels = root / split, root / f'{split}annot'
        for folder in (images, labels):
            if not folder.is_dir():
                problems.append(f'{folder}: folder not found')
        if not (images.is_dir() and labels.is_dir()):
            continue
        img_files = sorted(images.glob('*.png'))
        if not img_files:
            problems.append(f'{images}: no .png images')
        stems = {p.stem for p in img_files}
        problems += [
            f'{p}: label without an image (no {images / p.name})'
            for p in sorted(labels.glob('*.png'))
            if p.stem not in stems
        ]
        (out / 'images' / split).mkdir(parents=True, exist_ok=True)
        (out / 'labels' / split).mkdir(parents=True, exist_ok=True)
        written = []
        for img in img_files:
            label = labels / img.name
            why = check_pair(img, label)
            if why:
                problems.append(why)
                continue
            dst = out / 'images' / split / f'{img.stem}.{img_format}'
            if img_format == 'jpg':
                with Image.open(img) as im:
                    im.convert('RGB').save(dst, quality=95)
            else:
                _place(img, dst, link)
            _place(label, out / 'labels' / split / label.name, link)
            written.append(img.stem)
        (out / f'{split}.txt').write_text(''.join(f'{s}\n' for s in written))
        done[split] = len(written)
    return done, problems
