"""Every paper config (each config a ``metafile.yaml`` names) trains one iteration and
evaluates on real frames laid out as its dataset's native layout.

Real data (``tests/data`` and the embedded CamVid subset): the Cityscapes frame, the CamVid
frames and the BSDS500 images are used as they are; no ADE20K or PASCAL VOC / Context frames
are in the repository, so their layouts are built from MMSegmentation's real sample frames
(``tests/data/pseudo_dataset``, ids 0..2), as
``tests/datasets/test_dataset_configs.py`` does. NYU-Depth-v2's layout is written by segplug's
converter from the official file formats around MMSegmentation's real NYU frame
(``tests.helpers.make_nyu_release``; its labels are not NYU's). Models keep their real
backbones and heads; only crops, test sizes and the data roots are shrunk or redirected.
What this catches: a config that no longer builds, a data layout or split it reads that is
wrong, label values its ``num_classes`` cannot hold (segplug's data check runs), a loss that
cannot back-propagate and an evaluator that does not evaluate.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest
import yaml
from mmengine.config import Config, ConfigDict
from mmengine.runner import Runner

import segplug  # noqa: F401
from segplug.engine import adapt_cfg
from tests.helpers import DEMO_DATA, PY, REPO, TEST_DATA, make_nyu_release, run_tool

pytestmark = pytest.mark.slow

PAPER_CONFIGS = sorted(
    {
        m['Config']
        for f in (REPO / 'configs').rglob('metafile.yaml')
        for m in yaml.safe_load(f.read_text())['Models']
    }
)
STEMS = ['00000', '00001', '00002', '00003', '00004']


def _frames(img_dir: Path, ann_dir: Path, ann_suffix: str = '.png') -> None:
    src = TEST_DATA / 'pseudo_dataset'
    img_dir.mkdir(parents=True, exist_ok=True)
    ann_dir.mkdir(parents=True, exist_ok=True)
    for s in STEMS:
        shutil.copy(src / 'imgs' / f'{s}_img.jpg', img_dir / f'{s}.jpg')
        shutil.copy(src / 'gts' / f'{s}_gt.png', ann_dir / f'{s}{ann_suffix}')


@pytest.fixture(scope='module')
def roots(tmp_path_factory: pytest.TempPathFactory, test_data: Path) -> dict[str, Path]:
    """Native layouts, one per dataset, keyed by the dataset's default ``data_root``."""
    tmp = tmp_path_factory.mktemp('native')
    city = tmp / 'cityscapes'
    real = test_data / 'pseudo_cityscapes_dataset'
    for top in ('leftImg8bit', 'gtFine'):  # the one real val frame serves as train too
        for split in ('train', 'val'):
            shutil.copytree(real / top / 'val', city / top / split)
    ade = tmp / 'ADEChallengeData2016'
    for split in ('training', 'validation'):
        _frames(ade / 'images' / split, ade / 'annotations' / split)
    voc = tmp / 'VOCdevkit' / 'VOC2012'
    _frames(voc / 'JPEGImages', voc / 'SegmentationClass')
    shutil.copytree(voc / 'SegmentationClass', voc / 'SegmentationClassAug')
    (voc / 'ImageSets' / 'Segmentation').mkdir(parents=True)
    for name, stems in (('train', STEMS[:2]), ('aug', STEMS[2:]), ('val', STEMS[3:])):
        (voc / 'ImageSets' / 'Segmentation' / f'{name}.txt').write_text('\n'.join(stems))
    ctx = tmp / 'VOCdevkit' / 'VOC2010'
    _frames(ctx / 'JPEGImages', ctx / 'SegmentationClassContext')
    (ctx / 'ImageSets' / 'SegmentationContext').mkdir(parents=True)
    for name in ('train', 'val'):
        (ctx / 'ImageSets' / 'SegmentationContext' / f'{name}.txt').write_text('\n'.join(STEMS))
    # NYU: the official file formats around the real NYU frame, through segplug's converter
    release = make_nyu_release(test_data, tmp / 'nyu_release')
    nyu = tmp / 'nyu'
    run_tool(
        [
            PY,
            'tools/dataset_converters/nyu_depth_v2.py',
            str(release['labeled']),
            str(release['splits']),
            str(nyu),
            '--mapping',
            str(release['mapping']),
        ]
    )
    return {
        'cityscapes': city,
        'ADEChallengeData2016': ade,
        'VOC2012': voc,
        'VOC2010': ctx,
        'nyu': nyu,
        'camvid': DEMO_DATA,
        'bsds500': test_data / 'bsds500',
    }


def _redirect(ds: ConfigDict, roots: dict[str, Path]) -> None:
    """Point a dataset config (or a wrapper's members) at the native layouts; shrink sizes."""
    for sub in ds.get('datasets', []):
        _redirect(sub, roots)
    if 'dataset' in ds:
        _redirect(ds.dataset, roots)
    if 'data_root' in ds:
        key = next((k for k in roots if k in str(ds.data_root)), None)
        if key is None:
            raise AssertionError(f'no native layout for data_root={ds.data_root!r}')
        ds.data_root = str(roots[key])
    for t in ds.get('pipeline', []):
        if t['type'] in ('RandomResize', 'Resize') and 'scale' in t:
            t['scale'] = (96, 64)
            t.pop('scale_factor', None)
        if t['type'] == 'RandomCrop':
            t['crop_size'] = (48, 48)
        if t['type'] == 'Pad' and 'size' in t:  # else the crop is padded back to 512x512
            t['size'] = (48, 48)
        sized = {'scale', 'crop_size', 'size', 'scale_factor'} & set(t)
        if sized and t['type'] not in ('RandomResize', 'Resize', 'RandomCrop', 'Pad'):
            raise AssertionError(f'{t["type"]} sets {sized}: shrink it here too')


@pytest.mark.parametrize('config', PAPER_CONFIGS)
def test_paper_config_trains_and_evaluates(
    config: str, roots: dict[str, Path], tmp_path: Path
) -> None:
    cfg = Config.fromfile(str(REPO / config))
    assert 'segplug' in cfg.custom_imports['imports']
    model = cfg.model
    model.pop('pretrained', None)
    model.backbone.pop('init_cfg', None)
    model.data_preprocessor.size = (48, 48)
    if model.get('test_cfg', {}).get('mode') == 'slide':
        model.test_cfg.update(crop_size=(48, 48), stride=(32, 32))
    for split in ('train', 'val', 'test'):
        loader = cfg[f'{split}_dataloader']
        # two images per batch: BatchNorm after a 1x1 pooling needs more than one value
        loader.update(
            batch_size=2 if split == 'train' else 1, num_workers=0, persistent_workers=False
        )
        _redirect(loader.dataset, roots)
    cfg.train_cfg = dict(type='IterBasedTrainLoop', max_iters=1, val_interval=1)
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=10**6, save_last=False)
    cfg.default_hooks.logger.interval = 1
    cfg.custom_hooks = [
        h
        for h in cfg.get('custom_hooks', [])
        if h['type'] not in ('EvalProgressHook', 'ValBeforeTrainHook')
    ]
    cfg.visualizer.name = f'vis_{Path(config).stem}'
    cfg.work_dir = str(tmp_path)
    cfg.launcher = 'none'
    adapt_cfg(cfg)  # the device only; the data check comes from the config's custom_hooks
    runner = Runner.from_cfg(cfg)
    runner.train()
    scalars = runner.message_hub.log_scalars
    assert math.isfinite(scalars['train/loss'].current())
    miou = scalars['val/mIoU'].current()
    assert 0.0 <= miou <= 100.0
    # DDP (GPU or CPU gloo) stops at the second step when a trainable parameter gets no
    # gradient, unless the config lets it find unused ones
    model = runner.model
    model.train()
    model.zero_grad(set_to_none=True)
    data = model.data_preprocessor(next(iter(runner.train_dataloader)), True)
    loss, _ = model.parse_losses(model(**data, mode='loss'))
    loss.backward()
    unused = [n for n, p in model.named_parameters() if p.requires_grad and p.grad is None]
    allowed = (cfg.get('model_wrapper_cfg') or {}).get('find_unused_parameters', False)
    assert allowed or not unused, f'no gradient under DDP: {unused[:3]} ({len(unused)})'
