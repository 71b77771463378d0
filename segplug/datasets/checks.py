"""Up-front checks of a segmentation dataset, so bad files fail in seconds, not hours.

Two levels:

* :func:`check_dataset_cfg` looks at a dataset *config* before anything is built: the
  ``data_root``, ``ann_file`` (split file) and ``data_prefix`` folders exist, and the split
  file names at least one sample.
* :func:`check_dataset` opens every file of a *built* dataset: images decode completely
  (a truncated JPEG or PNG is caught), label maps exist, are single-channel, have the image's
  size, and hold only ``[0, num_classes)`` or the ignore index once the dataset's own
  ``reduce_zero_label`` and ``label_map`` are applied, as ``LoadAnnotations`` applies them.

Both raise :class:`DatasetCheckError`, whose message names each offending file and option.
"""

from __future__ import annotations

import os
import os.path as osp
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Mapping

import numpy as np
from PIL import Image

MAX_LISTED = 20


@dataclass(frozen=True)
class DataProblem:
    """One problem with one file (or option)."""

    path: str
    problem: str

    def __str__(self) -> str:
        return f'{self.path}: {self.problem}'


class DatasetCheckError(ValueError):
    """A dataset failed its up-front checks; the message lists the files and problems."""

    def __init__(self, what: str, problems: list[DataProblem]) -> None:
        self.problems = problems
        lines = [f'{what}: {len(problems)} problem(s) found before training started:']
        lines += [f'  - {p}' for p in problems[:MAX_LISTED]]
        if len(problems) > MAX_LISTED:
            lines.append(f'  ... and {len(problems) - MAX_LISTED} more')
        super().__init__('\n'.join(lines))


def read_label_ids(
    img: str | os.PathLike, label: str | os.PathLike
) -> tuple[np.ndarray | None, str | None]:
    """A converter's view of one image / label pair: the label's (H, W) class ids, or why the
    pair cannot be used (label missing, a file unreadable, a label that is not one channel
    or not the image's size). Dataset-specific id checks are the caller's.

    Returns:
        ``(ids, None)`` or ``(None, problem)``, the problem naming the file.
    """
    if not os.path.isfile(label):
        return None, f'{label}: label file not found (for image {img})'
    try:
        with Image.open(img) as im:
            size = im.size
        with Image.open(label) as im:
            ids = np.asarray(im)
    except Exception as e:  # noqa: BLE001  (any decoder error is a bad file)
        return None, f'{img} / {label}: cannot be read ({e})'
    if ids.ndim != 2:
        return None, f'{label}: shape {ids.shape}, expected a single-channel PNG of class ids'
    if (ids.shape[1], ids.shape[0]) != size:
        return None, f'{label}: size {ids.shape[1]}x{ids.shape[0]} differs from image {size}'
    return ids, None


def _join(root: str | None, path: str | None) -> str | None:
    """Join like MMEngine's ``BaseDataset._join_prefix``: relative paths go under root."""
    if not path:
        return path
    if root and not osp.isabs(path) and '://' not in path:
        return osp.join(root, path)
    return path


def _iter_dataset_cfgs(cfg: Mapping, option: str) -> Iterator[tuple[Mapping, str]]:
    """Yield the leaf dataset configs under wrappers (RepeatDataset, ConcatDataset, ...)."""
    if 'datasets' in cfg:
        for i, sub in enumerate(cfg['datasets']):
            yield from _iter_dataset_cfgs(sub, f'{option}.datasets[{i}]')
    elif isinstance(cfg.get('dataset'), Mapping):
        yield from _iter_dataset_cfgs(cfg['dataset'], f'{option}.dataset')
    else:
        yield cfg, option


def check_dataset_cfg(cfg: Mapping, option: str = 'train_dataloader.dataset') -> None:
    """Check the paths a dataset config names, before the dataset is built.

    Args:
        cfg: a dataset config (``type``, ``data_root``, ``ann_file``, ``data_prefix``), or a
            wrapper holding ``dataset`` / ``datasets``.
        option: where the config sits, used in messages (e.g. ``val_dataloader.dataset``).

    Raises:
        DatasetCheckError: naming the option and path of each problem.
    """
    problems: list[DataProblem] = []
    for leaf, where in _iter_dataset_cfgs(cfg, option):
        root = leaf.get('data_root')
        if root and '://' not in str(root) and not osp.isdir(root):
            problems.append(
                DataProblem(
                    f'{where}.data_root={root!r}',
                    f'is not a directory (looked for {osp.abspath(root)})',
                )
            )
            continue
        ann = _join(root, leaf.get('ann_file'))
        if ann and '://' not in ann and not osp.isdir(ann):
            if not osp.isfile(ann):
                problems.append(DataProblem(f'{where}.ann_file={ann!r}', 'split file not found'))
            elif not any(line.strip() for line in open(ann, encoding='utf-8')):
                problems.append(
                    DataProblem(
                        f'{where}.ann_file={ann!r}', 'split file is empty (no sample names)'
                    )
                )
        for key, folder in (leaf.get('data_prefix') or {}).items():
            path = _join(root, folder)
            if path and '://' not in path and not osp.isdir(path):
                problems.append(
                    DataProblem(f'{where}.data_prefix.{key}={path!r}', 'folder not found')
                )
    if problems:
        raise DatasetCheckError(f'dataset config {option}', problems)


def leaf_datasets(dataset: Any) -> Iterator[Any]:
    """Yield the datasets holding files, unwrapping MMEngine's dataset wrappers."""
    if hasattr(dataset, 'datasets'):
        for sub in dataset.datasets:
            yield from leaf_datasets(sub)
    elif hasattr(dataset, 'dataset'):
        yield from leaf_datasets(dataset.dataset)
    else:
        yield dataset


def _label_values_after_mapping(
    values: np.ndarray, reduce_zero_label: bool, label_map: Mapping[int, int] | None
) -> np.ndarray:
    """Apply ``LoadAnnotations``' transformations to a set of label values.

    Args:
        values: (N,) distinct raw label values, already cast to uint8.
    Returns:
        (N,) the values training will see.
    """
    out = values.astype(np.int64)
    if reduce_zero_label:
        out = np.where(out == 0, 255, out - 1)
        out = np.where(out == 254, 255, out)
    if label_map:
        mapped = out.copy()
        for old, new in label_map.items():
            mapped[out == old] = new
        out = mapped
    return out


def _check_sample(
    info: Mapping, num_classes: int, ignore_index: int, decode_images: bool
) -> list[DataProblem]:
    problems = []
    img_path = info['img_path']
    img_size = None
    if not osp.isfile(img_path):
        return [DataProblem(img_path, 'image file not found')]
    try:
        with Image.open(img_path) as im:
            if decode_images:
                im.load()  # a truncated file raises here (PIL: "image file is truncated")
            img_size = im.size
    except Exception as e:  # noqa: BLE001  (any decoder error is a bad file)
        problems.append(DataProblem(img_path, f'image cannot be decoded ({e})'))
    seg_path = info.get('seg_map_path')
    if seg_path is None:
        return problems
    if not osp.isfile(seg_path):
        return problems + [DataProblem(seg_path, f'label file not found (for image {img_path})')]
    try:
        with Image.open(seg_path) as im:
            seg = np.asarray(im)
    except Exception as e:  # noqa: BLE001
        return problems + [DataProblem(seg_path, f'label map cannot be decoded ({e})')]
    seg = np.squeeze(seg)
    if seg.ndim != 2:
        return problems + [
            DataProblem(
                seg_path,
                f'label map has shape {seg.shape}; expected a single-channel (H, W) '
                'map of class ids (palette or grey PNG)',
            )
        ]
    if img_size is not None and (seg.shape[1], seg.shape[0]) != img_size:
        problems.append(
            DataProblem(
                seg_path,
                f'label size {seg.shape[1]}x{seg.shape[0]} differs from image size '
                f'{img_size[0]}x{img_size[1]} ({img_path})',
            )
        )
    raw = np.unique(seg)
    if raw.max() > 255:
        problems.append(
            DataProblem(
                seg_path,
                f'label values up to {int(raw.max())}; MMSegmentation loads labels as '
                'uint8 (0..255)',
            )
        )
        return problems
    values = _label_values_after_mapping(
        raw, bool(info.get('reduce_zero_label')), info.get('label_map')
    )
    bad = sorted(
        {int(v) for v, m in zip(raw, values) if not (0 <= m < num_classes or m == ignore_index)}
    )
    if bad:
        problems.append(
            DataProblem(
                seg_path,
                f'label values {bad} are outside [0, {num_classes}) and are not the '
                f'ignore index {ignore_index}',
            )
        )
    return problems


def _data_infos(dataset: Any) -> Iterable[Mapping]:
    if hasattr(dataset, 'full_init'):
        dataset.full_init()
    return [dataset.get_data_info(i) for i in range(len(dataset))]


def dataset_problems(
    dataset: Any,
    name: str = 'dataset',
    decode_images: bool = True,
    num_workers: int | None = None,
    shard: tuple[int, int] = (0, 1),
) -> list[DataProblem]:
    """The problems :func:`check_dataset` reports, for the samples of one shard only.

    Args:
        shard: ``(i, n)``: samples ``i, i + n, i + 2n, ...`` of each leaf dataset (a rank's
            share under DDP, so that n processes read each file once between them, not n
            times); ``(0, 1)`` is every sample.
    """
    index, count = shard
    if not 0 <= index < count:
        raise ValueError(f'shard={shard}: need 0 <= i < n')
    problems: list[DataProblem] = []
    workers = num_workers or min(8, os.cpu_count() or 1)
    for leaf in leaf_datasets(dataset):
        what = f'{name} ({type(leaf).__name__}, data_root={getattr(leaf, "data_root", None)!r})'
        infos = _data_infos(leaf)
        if len(infos) == 0:
            if index == 0:
                problems.append(DataProblem(what, 'has no samples (empty split file or folder)'))
            continue
        num_classes = len(leaf.metainfo['classes'])
        ignore_index = getattr(leaf, 'ignore_index', 255)
        infos = list(infos)[index::count]
        if not getattr(leaf, 'label_maps', True):  # e.g. BSDS500's .mat files: images only
            infos = [{**info, 'seg_map_path': None} for info in infos]
        with ThreadPoolExecutor(workers) as pool:
            for found in pool.map(
                lambda i: _check_sample(i, num_classes, ignore_index, decode_images), infos
            ):
                problems.extend(found)
    return problems


def check_dataset(
    dataset: Any, name: str = 'dataset', decode_images: bool = True, num_workers: int | None = None
) -> None:
    """Open every file of a built segmentation dataset and check it.

    Args:
        dataset: an MMSegmentation dataset (``BaseSegDataset`` subclass) or a wrapper.
        name: how messages name it (e.g. ``train_dataloader.dataset``).
        decode_images: decode images completely (catches truncation; slower) instead of
            reading their headers only.
        num_workers: threads; default ``min(8, os.cpu_count())``.

    Raises:
        DatasetCheckError: listing each file and its problem.
    """
    problems = dataset_problems(dataset, name, decode_images, num_workers)
    if problems:
        raise DatasetCheckError(name, problems)
