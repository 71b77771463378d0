"""Test helpers: real-data paths, tiny training configs built from the demo config, tools."""

from __future__ import annotations

import os
import os.path as osp
import subprocess
import sys
from pathlib import Path

import pytest
from mmengine.config import Config

REPO = Path(__file__).resolve().parents[1]
TEST_DATA = REPO / 'tests' / 'data'
DEMO_DATA = REPO / 'data' / 'camvid_demo'
DEMO_CONFIG = REPO / 'configs' / 'demo' / 'fcn32_r18-v1c_1xb4-500i_camvid-demo-256x256.py'


@pytest.fixture(scope='session')
def test_data() -> Path:
    """``tests/data``: small real samples (BSDS500, MMSegmentation's test frames).

    Where each file comes from, and its licence: ``tests/data/README.md``. CamVid frames
    are in the embedded demo subset (``demo_data``).
    """
    return TEST_DATA


@pytest.fixture(scope='session')
def demo_data() -> Path:
    """The embedded CamVid subset (120 train / 40 val)."""
    return DEMO_DATA


def write_split(root: Path, name: str, stems: list[str]) -> str:
    path = root / name
    path.write_text('\n'.join(stems) + '\n')
    return str(path)


def tiny_cfg(
    work_dir: Path,
    max_iters: int = 4,
    ckpt_interval: int = 2,
    n_train: int = 8,
    n_val: int = 2,
    crop: int = 64,
    batch: int = 2,
    data_root: Path = DEMO_DATA,
    val_interval: int | None = None,
    dropout: float = 0.0,
    narrow: bool = False,
) -> Config:
    """The demo config shrunk to seconds: tiny crops, few frames, few iterations.

    Splits are written to ``work_dir`` so tests can change them without touching the data.
    Validation runs on ``n_val`` frames downscaled to 90x120. ``dropout``: the heads'
    dropout ratio (0: no random draw in the model). ``narrow``: a ResNet of 16 base
    channels (a checkpoint of ~2 MB instead of ~150 MB with its optimizer state).
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    cfg = Config.fromfile(str(DEMO_CONFIG))
    train = [s.strip() for s in open(data_root / 'train.txt')][:n_train]
    val = [s.strip() for s in open(data_root / 'val.txt')][:n_val]
    cfg.work_dir = str(work_dir)
    cfg.model.data_preprocessor.size = (crop, crop)
    cfg.model.decode_head.channels = 16
    cfg.model.decode_head.dropout_ratio = dropout
    cfg.model.auxiliary_head.dropout_ratio = dropout
    if narrow:
        cfg.model.backbone.update(stem_channels=16, base_channels=16)
        cfg.model.decode_head.in_channels = 128
        cfg.model.auxiliary_head.in_channels = 64
        cfg.model.auxiliary_head.channels = 16
    tl, vl = cfg.train_dataloader, cfg.val_dataloader
    tl.batch_size = batch
    tl.num_workers = 0
    tl.persistent_workers = False
    tl.dataset.data_root = str(data_root)
    tl.dataset.ann_file = write_split(work_dir, 'train_split.txt', train)
    tl.dataset.pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations'),
        dict(type='Resize', scale=(120, 90), keep_ratio=True),
        dict(type='RandomCrop', crop_size=(crop, crop)),
        dict(type='PackSegInputs'),
    ]
    vl.num_workers = 0
    vl.persistent_workers = False
    vl.dataset.data_root = str(data_root)
    vl.dataset.ann_file = write_split(work_dir, 'val_split.txt', val)
    vl.dataset.pipeline = [
        dict(type='LoadImageFromFile'),
        dict(type='Resize', scale=(120, 90), keep_ratio=True),
        dict(type='LoadAnnotations'),
        dict(type='PackSegInputs'),
    ]
    cfg.test_dataloader = vl
    cfg.train_cfg.max_iters = max_iters
    cfg.train_cfg.val_interval = val_interval or max_iters
    cfg.param_scheduler = [
        dict(type='PolyLR', eta_min=1e-5, power=0.9, begin=0, end=max_iters, by_epoch=False)
    ]
    cfg.default_hooks.checkpoint.interval = ckpt_interval
    cfg.default_hooks.checkpoint.max_keep_ckpts = -1
    cfg.default_hooks.logger.interval = 1
    cfg.custom_hooks = [h for h in cfg.custom_hooks if h['type'] != 'EvalProgressHook']
    return cfg


def dump_cfg(cfg: Config, path: Path) -> str:
    cfg.dump(str(path))
    return str(path)


def run_tool(
    args: list[str], timeout: int = 600, check: bool = True, env: dict | None = None
) -> subprocess.CompletedProcess:
    """Run a repository tool (``tools/...``) in a subprocess, like a user does."""
    full_env = dict(
        os.environ, PYTHONUNBUFFERED='1', OMP_NUM_THREADS='1', PYTHON=sys.executable, **(env or {})
    )
    proc = subprocess.run(
        args, cwd=REPO, capture_output=True, text=True, timeout=timeout, env=full_env
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f'{" ".join(args)} failed ({proc.returncode}):\n'
            f'{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}'
        )
    return proc


def run_tool_here(args: list[str]) -> subprocess.CompletedProcess:
    """Run a repository tool (``[PY, 'tools/x.py', ...]``) as ``__main__`` in this process.

    For tools that train nothing (converters, argument and input checks): the same exit
    code, stdout and stderr as :func:`run_tool`, without a new interpreter's ~6 s of
    imports. ``SystemExit`` gives the exit code (a message goes to stderr, as Python
    prints it); an uncaught exception gives 1 and its traceback on stderr.
    """
    import contextlib
    import io
    import runpy
    import traceback

    script = args[1] if args[0] == PY else args[0]
    out, err = io.StringIO(), io.StringIO()
    argv, cwd = sys.argv, os.getcwd()
    code = 0
    sys.argv = [script, *args[args.index(script) + 1 :]]
    path = list(sys.path)
    sys.path.insert(0, str((REPO / script).parent))  # as ``python script.py`` does
    os.chdir(REPO)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            runpy.run_path(str(REPO / script), run_name='__main__')
    except SystemExit as stop:
        if isinstance(stop.code, str):
            err.write(stop.code + '\n')
            code = 1
        else:
            code = stop.code or 0
    except Exception:
        err.write(traceback.format_exc())
        code = 1
    finally:
        sys.argv = argv
        sys.path[:] = path
        os.chdir(cwd)
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


PY = sys.executable
TRAIN = osp.join(REPO, 'tools', 'train.py')
TEST = osp.join(REPO, 'tools', 'test.py')


NYU_SAMPLE = 'bookstore_0001d_00001'


def make_nyu_release(
    test_data: Path, root: Path, train: tuple[int, ...] = (1, 2), test: tuple[int, ...] = (3,)
) -> dict[str, Path]:
    """NYU-Depth-v2's labelled release in its official file formats, three frames small.

    No labelled NYU file is in ``tests/data``; its one real NYU frame (MMSegmentation's
    ``pseudo_nyu_dataset``, 120x160 with its depth map) is used instead: frame 1 is that
    image, frames 2 and 3 its left-right and up-down mirrors. The *labels are not NYU's*:
    raw class ids are the depth in 12 mm bins (0 where depth is missing), which spreads them
    over 0..833 of the 894 raw classes. ``nyu_depth_v2_labeled.mat`` is written as MATLAB
    v7.3 writes it (HDF5 behind a 512-byte MATLAB header, arrays transposed, ``names`` as
    object references); ``splits.mat`` and ``classMapping40.mat`` (``mapClass`` = raw id * 7
    mod 40 + 1) as MATLAB v5 files, as distributed. Returns the three paths and the frames
    and raw labels written, in MATLAB's (H, W, ...) order.
    """
    import h5py
    import numpy as np
    from PIL import Image
    from scipy.io import savemat

    src = test_data / 'pseudo_nyu_dataset'
    img = np.asarray(Image.open(src / 'images' / f'{NYU_SAMPLE}.jpg').convert('RGB'))
    depth = np.asarray(Image.open(src / 'annotations' / f'{NYU_SAMPLE}.png')).astype(np.int64)
    raw = np.where(depth > 0, depth // 12, 0).astype(np.uint16)
    images = np.stack([img, img[:, ::-1], img[::-1]], axis=-1)  # (H, W, 3, N)
    labels = np.stack([raw, raw[:, ::-1], raw[::-1]], axis=-1)  # (H, W, N)
    root.mkdir(parents=True, exist_ok=True)
    labeled = root / 'nyu_depth_v2_labeled.mat'
    with h5py.File(labeled, 'w', userblock_size=512) as f:
        f['images'] = images.T  # (N, 3, W, H)
        f['labels'] = labels.T  # (N, W, H)
        refs = f.create_group('#refs#')
        names = f.create_dataset('names', (1, 894), dtype=h5py.ref_dtype)
        for i in range(894):
            refs[f'n{i}'] = np.frombuffer(f'class{i + 1}'.encode(), np.uint8)[:, None]
            names[0, i] = refs[f'n{i}'].ref
    header = b'MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: segplug test. HDF5 schema 1.00 .'
    with open(labeled, 'r+b') as fh:
        fh.write(header.ljust(116) + b'\0' * 8 + b'\x00\x02IM')
    splits = root / 'splits.mat'
    savemat(
        splits,
        {'trainNdxs': np.array(train, float)[:, None], 'testNdxs': np.array(test, float)[:, None]},
    )
    mapping = root / 'classMapping40.mat'
    map_class = (np.arange(1, 895) * 7 % 40 + 1).astype(float)[None]
    savemat(
        mapping,
        {'mapClass': map_class, 'className': np.array([[f'c{i}' for i in range(1, 41)]], object)},
    )
    return dict(
        labeled=labeled,
        splits=splits,
        mapping=mapping,
        images=images,
        labels=labels,
        map_class=map_class[0],
    )
