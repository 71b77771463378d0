"""MixedDatasetSampler: dataset shares, class-uniform sampling, seeds and ranks."""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from mmengine.dataset import ConcatDataset
from mmseg.registry import DATASETS
from mmseg.utils import register_all_modules

import segplug  # noqa: F401
from segplug.datasets import MixedDatasetSampler, image_classes, proportional_schedule
from tests.helpers import DEMO_DATA, write_split


def camvid_parts(tmp_path: Path, sizes: list[int]) -> ConcatDataset:
    """The embedded CamVid frames cut into consecutive parts of the given sizes."""
    register_all_modules(init_default_scope=True)
    stems = [s.strip() for s in open(DEMO_DATA / 'train.txt')]
    parts, start = [], 0
    for k, n in enumerate(sizes):
        split = write_split(tmp_path, f'part{k}.txt', stems[start : start + n])
        start += n
        parts.append(
            DATASETS.build(
                dict(
                    type='CamVidDataset',
                    data_root=str(DEMO_DATA),
                    ann_file=split,
                    data_prefix=dict(img_path='images/train', seg_map_path='labels/train'),
                    pipeline=[],
                )
            )
        )
    return ConcatDataset(parts)


def test_schedule_holds_the_shares_in_every_window() -> None:
    draws = list(itertools.islice(proportional_schedule([0.4, 0.4, 0.2]), 1000))
    assert Counter(draws) == {0: 400, 1: 400, 2: 200}
    for start in range(0, 1000, 5):  # every 5 consecutive draws: 2, 2, 1
        assert Counter(draws[start : start + 5]) == {0: 2, 1: 2, 2: 1}
    counts = np.zeros(2)
    for n, k in enumerate(itertools.islice(proportional_schedule([3, 1]), 997), 1):
        counts[k] += 1
        assert np.all(np.abs(counts - n * np.array([0.75, 0.25])) < 1)


def test_shares_seed_and_ranks(tmp_path: Path) -> None:
    data = camvid_parts(tmp_path, [30, 6, 2])
    s = MixedDatasetSampler(data, [0.4, 0.4, 0.2], seed=3)
    first = list(itertools.islice(iter(s), 500))
    assert first == list(itertools.islice(iter(MixedDatasetSampler(data, [2, 2, 1], seed=3)), 500))
    assert first != list(itertools.islice(iter(MixedDatasetSampler(data, [2, 2, 1], seed=4)), 500))
    source = Counter(int(np.searchsorted(data.cumulative_sizes, i, side='right')) for i in first)
    assert source == {0: 200, 1: 200, 2: 100}  # not 30:6:2 as the sizes would give
    # a plain source is a shuffled pass: the first 30 draws from part 0 are all its images
    part0 = [i for i in first if i < 30][:30]
    assert sorted(part0) == list(range(30))
    # two ranks split the one global stream between them
    ranks = []
    for rank in (0, 1):
        s2 = MixedDatasetSampler(data, [0.4, 0.4, 0.2], seed=3)
        s2.rank, s2.world_size = rank, 2
        ranks.append(list(itertools.islice(iter(s2), 250)))
    assert [i for pair in zip(*ranks) for i in pair] == first


def test_class_uniform_matches_its_formula(tmp_path: Path) -> None:
    data = camvid_parts(tmp_path, [40])
    classes = image_classes(data.datasets[0])
    s = MixedDatasetSampler(
        data, [1.0], class_uniform=True, seed=0, class_index_file=str(tmp_path / 'index.json')
    )
    assert (tmp_path / 'index.json').is_file()
    n = 40000
    freq = np.bincount(list(itertools.islice(iter(s), n)), minlength=40) / n
    # P(image) = sum over its classes c of 1/|classes| * 1/|images with c|
    present = sorted({c for cs in classes for c in cs})
    holders = {c: sum(c in cs for cs in classes) for c in present}
    expected = np.array([sum(1 / len(present) / holders[c] for c in cs) for cs in classes])
    assert expected.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(freq, expected, atol=4 * np.sqrt(expected.max() / n))
    # images holding a rare class are drawn more often than a shuffled pass would
    rare = min(present, key=lambda c: holders[c])
    holder = next(i for i, cs in enumerate(classes) if rare in cs)
    assert freq[holder] > 1 / 40 and expected[holder] > 1 / 40
    # the cached index is used (and checked) by the next sampler
    again = MixedDatasetSampler(
        data, [1.0], class_uniform=True, seed=0, class_index_file=str(tmp_path / 'index.json')
    )
    assert list(itertools.islice(iter(again), 100)) == list(itertools.islice(iter(s), 100))


def test_bad_options(tmp_path: Path) -> None:
    data = camvid_parts(tmp_path, [4, 4])
    with pytest.raises(ValueError, match='proportions must hold 2 positive shares'):
        MixedDatasetSampler(data, [1.0])
    with pytest.raises(ValueError, match='class_uniform must be a bool or 2 bools'):
        MixedDatasetSampler(data, [1, 1], class_uniform=[True])
    with pytest.raises(ValueError, match='needs a ConcatDataset'):
        MixedDatasetSampler(data.datasets[0], [1.0])
    (tmp_path / 'index.json').write_text('[[[1]], [[2]]]')
    with pytest.raises(ValueError, match='is for datasets of sizes \\[1, 1\\], not \\[4, 4\\]'):
        MixedDatasetSampler(
            data, [1, 1], class_uniform=True, class_index_file=str(tmp_path / 'index.json')
        )


@pytest.mark.slow  # a subprocess
def test_mixed_cityscapes_config_on_real_samples(test_data: Path, tmp_path: Path) -> None:
    """The SeeThroughNet data config, pointed at the real Cityscapes and Mapillary samples
    (the Mapillary one converted by our converter), yields batches from all three parts."""
    from mmengine.config import Config
    from mmengine.runner import Runner

    from segplug.datasets import check_dataset_cfg
    from tests.helpers import PY, REPO, run_tool

    samples = test_data
    run_tool(
        [
            PY,
            'tools/dataset_converters/mapillary2cityscapes.py',
            str(samples / 'pseudo_mapillary_dataset'),
            str(tmp_path / 'map'),
            '--splits',
            '.',
        ]
    )
    cfg = Config.fromfile(
        str(REPO / 'configs/_base_/datasets/cityscapes_mixed_mapillary_coarse.py')
    )
    loader = cfg.train_dataloader
    fine_parts, mapillary, coarse = loader.dataset.datasets
    city = str(samples / 'pseudo_cityscapes_dataset')
    val = dict(img_path='leftImg8bit/val', seg_map_path='gtFine/val')
    for d in [*fine_parts.datasets, coarse]:  # the sample has one fine val frame only
        d.data_root, d.data_prefix = city, val
    coarse.seg_map_suffix = '_gtFine_labelTrainIds.png'
    with pytest.raises(ValueError, match=r"dataset.datasets\[1\].data_root='data/mapillary"):
        check_dataset_cfg(loader.dataset, 'train_dataloader.dataset')  # not converted yet
    mapillary.data_root = str(tmp_path / 'map')
    crop = [
        dict(type='LoadImageFromFile'),
        dict(type='LoadAnnotations'),
        dict(type='RandomCrop', crop_size=(64, 64)),
        dict(type='PackSegInputs'),
    ]
    for d in [*fine_parts.datasets, mapillary, coarse]:
        d.pipeline = crop
    loader.sampler.class_index_file = str(tmp_path / 'index.json')
    loader.update(batch_size=5, num_workers=0, persistent_workers=False)
    check_dataset_cfg(loader.dataset, 'train_dataloader.dataset')  # wrappers are walked
    register_all_modules(init_default_scope=True)
    batch = next(iter(Runner.build_dataloader(loader, seed=0)))
    paths = [s.img_path for s in batch['data_samples']]
    # 40/40/20 of 5: two from the fine part, two from Mapillary, one coarse
    assert sum('leftImg8bit' in p for p in paths) == 3
    assert sum(p.endswith('__CRyFzoDOXn6unQ6a3DnQ.jpg') for p in paths) == 2
    assert [tuple(x.shape) for x in batch['inputs']] == [(3, 64, 64)] * 5
