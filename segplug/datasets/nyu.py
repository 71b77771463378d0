"""NYU-Depth-v2's labelled release read from its MATLAB files, for the 40-class converter.

The 1,449 labelled frames come in one MATLAB v7.3 file, ``nyu_depth_v2_labeled.mat``: an
HDF5 file whose arrays are stored transposed (MATLAB is column-major), so MATLAB's
``images`` (480, 640, 3, N) reads as (N, 3, 640, 480) and ``labels`` (480, 640, N) as
(N, 640, 480). Its labels are the 894 raw classes (0 = unlabelled). The 40 classes are Gupta
et al.'s (CVPR 2013) grouping of them, distributed as ``classMapping40.mat`` (``mapClass``, 894
values in 1..40) or as the already mapped ``labels40.mat`` (``labels40``, (480, 640, N)); the
official 795 / 654 split is ``splits.mat`` (``trainNdxs``, ``testNdxs``, 1-based).

MMSegmentation 1.2.2 has no reader for these: its ``nyu.py`` converter and ``NYUDataset`` are
for the depth-estimation release. h5py reads the v7.3 file; SciPy the older-format ones.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .nyu40 import NYU40_CLASSES

MAPPING_KEYS = ('mapClass', 'mapping')  # classMapping40.mat; other redistributions


def _h5py():  # noqa: ANN202
    try:
        import h5py
    except ImportError as e:  # pragma: no cover - h5py is in requirements.txt
        raise ImportError('reading MATLAB v7.3 files needs h5py: pip install h5py') from e
    return h5py


def read_mat_variable(path: str | Path, key: str | tuple[str, ...]) -> np.ndarray:
    """One array of a .mat file (v7.3 / HDF5 or older), in MATLAB's axis order.

    ``key`` may list alternative names; the first one present is read. Raises ``ValueError``
    naming the file when it cannot be read or holds none of the names.
    """
    path = Path(path)
    keys = (key,) if isinstance(key, str) else key
    if not path.is_file():
        raise FileNotFoundError(f'{path}: file not found')
    h5py = _h5py()
    if h5py.is_hdf5(path):
        with h5py.File(path, 'r') as f:
            for k in keys:
                if k in f:
                    return np.asarray(f[k]).T  # HDF5 holds MATLAB arrays transposed
            found = sorted(f.keys())
    else:
        from scipy.io import loadmat, whosmat

        try:  # only the asked-for variables are decoded, not the whole file
            data = loadmat(path, variable_names=list(keys))
            for k in keys:
                if k in data:
                    return np.asarray(data[k])
            found = sorted(name for name, _, _ in whosmat(path))
        except Exception as e:  # noqa: BLE001  (any decoder error is a bad file)
            raise ValueError(f'{path}: not a readable MATLAB file ({e})') from e
    raise ValueError(f'{path}: has no variable {" or ".join(map(repr, keys))} (it holds {found})')


def load_nyu40_lut(path: str | Path, num_raw: int | None = None) -> np.ndarray:
    """The 894 -> 40 class mapping of ``classMapping40.mat`` as a lookup table.

    Returns ``lut`` of shape (R + 1,), uint8, with ``lut[0] = 0`` (unlabelled) and
    ``lut[r]`` the 40-class id (1..40) of raw class ``r``. ``num_raw`` (the labelled file's
    class count, 894) is checked against R when given.
    """
    m = read_mat_variable(path, MAPPING_KEYS).squeeze()
    if m.ndim != 1:
        raise ValueError(
            f'{path}: the mapping has shape {m.shape}, expected one value per raw class (1 x 894)'
        )
    if num_raw is not None and m.size != num_raw:
        raise ValueError(
            f'{path}: the mapping has {m.size} entries but the labelled file '
            f'has {num_raw} raw classes'
        )
    if not np.array_equal(m, np.round(m)) or m.min() < 0 or m.max() > len(NYU40_CLASSES):
        raise ValueError(
            f'{path}: mapping values must be integers in 0..40, found '
            f'{m.min()}..{m.max()}: is this the 40-class mapping?'
        )
    return np.concatenate([[0], m]).astype(np.uint8)


def load_nyu_splits(path: str | Path, num_frames: int) -> dict[str, np.ndarray]:
    """``splits.mat`` as 0-based frame indices: ``{'train': (795,), 'test': (654,)}``.

    Checks that the indices are whole numbers in 1..``num_frames``, without repeats, and
    that no frame is in both splits.
    """
    out = {}
    for split, key in (('train', 'trainNdxs'), ('test', 'testNdxs')):
        idx = read_mat_variable(path, key).ravel()
        if idx.size == 0 or not np.array_equal(idx, np.round(idx)):
            raise ValueError(f'{path}: {key} must hold 1-based frame numbers')
        idx = idx.astype(np.int64)
        if idx.min() < 1 or idx.max() > num_frames:
            raise ValueError(
                f'{path}: {key} holds {idx.min()}..{idx.max()}, outside the '
                f"labelled file's frames 1..{num_frames}"
            )
        if np.unique(idx).size != idx.size:
            raise ValueError(f'{path}: {key} repeats a frame')
        out[split] = idx - 1
    both = np.intersect1d(out['train'], out['test'])
    if both.size:
        raise ValueError(
            f'{path}: frames {(both[:5] + 1).tolist()} are in both trainNdxs and testNdxs'
        )
    return out


class NYULabeledMat:
    """Frame-by-frame reader of ``nyu_depth_v2_labeled.mat`` (MATLAB v7.3 / HDF5).

    ``image(k)`` is (H, W, 3) uint8 RGB and ``raw_labels(k)`` (H, W) of raw class ids, for
    the 0-based frame ``k``; H, W = 480, 640 in the official file. Use as a context manager.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise FileNotFoundError(f'{self.path}: file not found')
        h5py = _h5py()
        if not h5py.is_hdf5(self.path):
            raise ValueError(
                f'{self.path}: not a MATLAB v7.3 (HDF5) file; the official '
                'nyu_depth_v2_labeled.mat is one (re-saved copies must keep '
                "MATLAB's -v7.3 format)"
            )
        # MATLAB writes v7.3 arrays in compressed chunks that may span frames: a 256 MiB
        # chunk cache keeps frame-by-frame reads from decompressing a chunk again per frame
        self._f = h5py.File(self.path, 'r', rdcc_nbytes=256 * 2**20, rdcc_nslots=100003)
        missing = [k for k in ('images', 'labels') if k not in self._f]
        if missing:
            found = sorted(self._f.keys())
            self.close()
            raise ValueError(f'{self.path}: has no {missing} (it holds {found})')
        self._images, self._labels = self._f['images'], self._f['labels']
        im, lb = self._images.shape, self._labels.shape
        if len(im) != 4 or im[1] != 3 or len(lb) != 3 or im[0] != lb[0] or im[2:] != lb[1:]:
            shapes = f'images {im[::-1]}, labels {lb[::-1]} (MATLAB order)'
            self.close()
            raise ValueError(
                f'{self.path}: expected images (H, W, 3, N) and labels (H, W, N) '
                f'of one size, found {shapes}'
            )
        self.num_frames = int(im[0])
        self.size = (int(im[3]), int(im[2]))  # (H, W)
        self.num_raw_classes = int(np.prod(self._f['names'].shape)) if 'names' in self._f else None

    def image(self, k: int) -> np.ndarray:
        """Frame ``k`` (0-based) as (H, W, 3) uint8 RGB."""
        return np.ascontiguousarray(self._images[k].transpose(2, 1, 0))

    def raw_labels(self, k: int) -> np.ndarray:
        """The 894-class labels of frame ``k`` as (H, W) ints, 0 = unlabelled."""
        return np.ascontiguousarray(self._labels[k].T)

    def close(self) -> None:
        self._f.close()

    def __enter__(self) -> NYULabeledMat:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
