"""Rendered results blocks: every block in the repository equals its result file, and the
renderers put each number where it belongs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from segplug.utils.results_tables import headline, markdown_files, render_blocks
from tests.helpers import REPO

MARKDOWN = markdown_files(REPO)


@pytest.mark.parametrize('path', MARKDOWN, ids=lambda p: str(p.relative_to(REPO)))
def test_rendered_blocks_equal_their_result_files(path: Path) -> None:
    text = path.read_text()
    assert render_blocks(text, REPO / 'docs' / 'results') == text, (
        f'{path.relative_to(REPO)} differs from docs/results: python tools/dev/render_results.py'
    )


def _variant(miou: dict, gains: list | None, pedestrian: float) -> dict:
    values = list(miou.values())
    mean = sum(values) / len(values)
    std = (sum((v - mean) ** 2 for v in values) / len(values)) ** 0.5
    g_mean = None if gains is None else sum(gains) / len(gains)
    g_std = None if gains is None else (sum((g - g_mean) ** 2 for g in gains) / len(gains)) ** 0.5
    classes = {c: 1.0 for c in ('Pole', 'SignSymbol', 'Bicyclist', 'Sky')} | {
        'Pedestrian': pedestrian
    }
    return dict(
        seeds=sorted(miou),
        baseline=None if gains is None else 'fcn32',
        miou_per_seed=miou,
        miou_mean=mean,
        miou_std=std,
        gain_mean=g_mean,
        gain_std=g_std,
        gains_per_seed=gains,
        class_iou=classes,
        bf3=50.0,
    )


def test_renderers_by_hand(tmp_path: Path) -> None:
    data = dict(
        meta=dict(command='bash x.sh', date='2026-12-07', commit='abc1234'),
        variants=dict(
            fcn32=_variant({'seed0': 40.0, 'seed1': 42.0}, None, 20.0),
            hcfcn32=_variant({'seed0': 43.0, 'seed1': 44.0}, [3.0, 2.0], 25.5),
            **{'hcfcn32-assign': _variant({'seed0': 45.0}, [5.0], 26.0)},
        ),
    )
    data['variants']['fcn32']['commits'] = {'seed0': 'aaa1111', 'seed1': '~bbb2222'}
    data['variants']['hcfcn32-assign']['also'] = dict(
        baseline='hcfcn32', gain_mean=2.0, gain_std=0.0, gains_per_seed=[2.0]
    )
    (tmp_path / 'demo.json').write_text(json.dumps(data))
    text = (
        'before\n<!-- results: demo/seeds-table -->\nold\n<!-- /results -->\n'
        'middle <!-- results: demo/headline -->\n<!-- /results --> after\n'
    )
    out = render_blocks(text, tmp_path)
    assert out.startswith('before\n<!-- results: demo/seeds-table -->\n| model |')
    assert '| FCN-32 | 2 | 41.00 +- 1.00 | - | 1.0 | 1.0 | 20.0 | 1.0 | 1.0 | 50.00 |' in out
    assert (
        '| HCFCN-32 | 2 | 43.50 +- 0.50 | +2.50 +- 0.50 (+3.00 / +2.00) over FCN-32 | '
        '1.0 | 1.0 | 25.5 |' in out
    )
    assert (
        '| HCFCN-32 + assignment loss | 1 | 45.00 | +5.00 over FCN-32; +2.00 over HCFCN-32 |' in out
    )
    assert 'Measured: `bash x.sh`, 2026-12-07, commit abc1234.' in out
    assert 'by seed (~: the last commit' in out and ': FCN-32 aaa1111 / ~bbb2222.' in out
    assert (  # two seeds or one: runs so far, no std, no claim
        'mIoU: Fewer than 3 seeds so far, no claim: FCN-32 41.00 (2 seeds); HCFCN-32 43.50 '
        '(2 seeds, +2.50 paired); HCFCN-32 + assignment loss 45.00 (1 seed, +5.00 paired) (' in out
    )
    assert out.endswith('<!-- /results --> after\n') and 'old' not in out
    assert render_blocks(out, tmp_path) == out  # idempotent


def test_bad_blocks_are_named(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match='nope/headline'):
        render_blocks('<!-- results: nope/headline -->\n<!-- /results -->', tmp_path)
    (tmp_path / 'x.json').write_text('{}')
    with pytest.raises(KeyError, match="unknown view 'pie'"):
        render_blocks('<!-- results: x/pie -->\n<!-- /results -->', tmp_path)


def test_demo_summary_by_hand(tmp_path: Path) -> None:
    data = dict(
        meta=dict(command='python tools/run_demo.py', date='2026-12-07', commit='abc1234'),
        config='configs/demo/x.py',
        iters=500,
        train_and_eval_seconds=270.0,
        miou_before=3.456,
        miou_after=55.0,
        class_iou_after={'Sky': 90.0, 'Pole': 1.25},
    )
    (tmp_path / 'demo.json').write_text(json.dumps(data))
    out = render_blocks('<!-- results: demo/demo-summary -->\n<!-- /results -->', tmp_path)
    assert '| ImageNet start, head untrained (iteration 0) | 3.46 |' in out
    assert '| after 500 iterations | **55.00** |' in out
    assert 'Per class after training: Sky 90.0, Pole 1.2' in out  # 1.25 rounds half-even
    assert 'took 4.5 min (`configs/demo/x.py`)' in out


def test_probes_table_by_hand(tmp_path: Path) -> None:
    def probes(knn: list, ratio: list, gains: dict | None) -> dict:
        rows = {
            f'seed{i}': dict(knn_acc=k, knn_macc=10.0, probe_acc=k + 1, probe_macc=20.0, ratio=r)
            for i, (k, r) in enumerate(zip(knn, ratio))
        }
        mean = {key: sum(r[key] for r in rows.values()) / len(rows) for key in rows['seed0']}
        std = {key: 0.5 if key == 'knn_acc' else 0.0 for key in rows['seed0']}
        return dict(per_seed=rows, mean=mean, std=std, gains=gains or {})

    gains = dict(
        knn_acc=dict(
            baseline='semantic-features-w0-fcn32',
            gain_mean=2.0,
            gain_std=1.0,
            gains_per_seed=[3.0, 1.0],
        ),
        ratio=dict(
            baseline='semantic-features-w0-fcn32',
            gain_mean=-0.05,
            gain_std=0.01,
            gains_per_seed=[-0.04, -0.06],
        ),
        knn_macc=None,
    )
    variants = {
        'semantic-features-w0-fcn32': dict(probes=probes([50.0, 51.0], [0.5, 0.5], None)),
        'semantic-features-fcn32': dict(probes=probes([53.0, 52.0], [0.46, 0.44], gains)),
        'deeplabv3plus': dict(),  # no probes: no row
    }
    meta = dict(command='bash m.sh', date='2026-12-08', commit='abc1234')
    (tmp_path / 'm.json').write_text(json.dumps(dict(meta=meta, variants=variants)))
    out = render_blocks('<!-- results: m/probes-table -->\n<!-- /results -->', tmp_path)
    assert (
        '| FCN-32 + hypercolumn head, Eq. 1 at weight 0 (CE alone) | 2 | 50.5 +- 0.5 | '
        '10.0 +- 0.0 | 51.5 +- 0.0 | 20.0 +- 0.0 | 0.500 +- 0.000 | - |' in out
    )
    assert (
        '| 52.5 +- 0.5 | 10.0 +- 0.0 | 53.5 +- 0.0 | 20.0 +- 0.0 | 0.450 +- 0.000 | knn_acc +2.0 '
        '(+3.0 / +1.0), ratio -0.050 (-0.040 / -0.060) over FCN-32 + hypercolumn head, Eq. 1 at '
        'weight 0 (CE alone) |' in out
    )
    assert 'deeplabv3plus' not in out and 'DeepLabV3+' not in out
    assert 'Measured: `bash m.sh`, 2026-12-08, commit abc1234.' in out


def test_speed_table_by_hand(tmp_path: Path) -> None:
    data = dict(
        meta=dict(
            command='python b.py', date='2026-12-07', commit='abc1234', device='cpu', shape=[4, 6]
        ),
        ms_per_image={'fcn32': 100.0, 'hcfcn32': 110.0, 'fpn-bilinear': 50.0, 'fpn-hc': 60.0},
        gflops={'fcn32': 2.0, 'hcfcn32': 2.5, 'fpn-bilinear': 4.0, 'fpn-hc': 5.0},
        baselines={'fpn-hc': 'fpn-bilinear'},
    )
    (tmp_path / 's.json').write_text(json.dumps(data))
    out = render_blocks('<!-- results: s/speed-table -->\n<!-- /results -->', tmp_path)
    assert '| FCN-32 | 100.0 | 1.00x | 2.00 | 1.00x | FCN-32 |' in out
    assert '| HCFCN-32 | 110.0 | 1.10x | 2.50 | 1.25x | FCN-32 |' in out
    assert '| FPN (bilinear) | 50.0 | 0.50x | 4.00 | 2.00x | FCN-32 |' in out
    assert '| HC-FPN | 60.0 | 1.20x | 5.00 | 1.25x | FPN (bilinear) |' in out
    assert 'cpu, one 4x6 frame' in out
    assert 'paired by round' not in out
    # the ratio paired by round, where the benchmark wrote it, instead of the medians' ratio
    data['time_ratio'] = {'hcfcn32': dict(median=1.146, q1=1.131, q3=1.172)}
    (tmp_path / 's.json').write_text(json.dumps(data))
    out = render_blocks('<!-- results: s/speed-table -->\n<!-- /results -->', tmp_path)
    assert '| HCFCN-32 | 110.0 | 1.15x (1.13-1.17) | 2.50 | 1.25x | FCN-32 |' in out
    assert '| FCN-32 | 100.0 | 1.00x | 2.00 | 1.00x | FCN-32 |' in out
    assert 'paired by round' in out
    line = render_blocks('<!-- results: s/speed-headline -->\n<!-- /results -->', tmp_path)
    assert (
        'Inference on cpu, 4x6: HCFCN-32 1.15x the time of FCN-32 (1.25x its FLOPs); '
        'HC-FPN 1.20x the time of FPN (bilinear) (1.25x its FLOPs) (`python b.py`, '
        '2026-12-07, commit abc1234)\n' in line
    )


FRESH = dict(
    meta=dict(command='python tools/dev/fresh_clone.py', date='2026-12-08', commit='abc1234'),
    first_setup=dict(command='bash tools/setup_env.sh', seconds=1122, date='2026-11-28'),
    setup=dict(command='bash tools/setup_env.sh --test', returncode=0, seconds=17.6),
    lint=dict(command='ruff', returncode=0, seconds=0.8),
    suite=dict(
        command='python -m pytest tests',
        returncode=1,
        seconds=541.2,
        counts=dict(passed=1510, skipped=27, failed=2),
    ),
    fast=dict(
        command='python -m pytest -m "not slow" tests',
        returncode=0,
        seconds=149.6,
        counts=dict(passed=1400, skipped=20),
    ),
)


def test_test_times_by_hand() -> None:
    """The fresh-clone times land as minutes and seconds, failures first, with provenance."""
    from segplug.utils.results_tables import tests_list, tests_summary

    text = tests_summary(FRESH)
    assert '**9 min 01 s** (2 failed, 1510 passed, 27 skipped), after 18 s of set-up' in text
    assert '**2 min 30 s** (1400 passed, 20 skipped)' in text
    assert 'builds mmcv once: 18.7 min (2026-11-28)' in text
    assert '2026-12-08, commit abc1234' in text
    listed = tests_list(FRESH)
    assert '- full suite, `python -m pytest tests`: **9 min 01 s**, 2 failed, 1510 passed' in listed
    assert '- lint, `ruff`: **0 min 01 s**, ok' in listed
    assert 'demo' not in listed  # not measured: no line
    assert tests_summary(FRESH | dict(first_setup=None)).count('mmcv') == 0


def test_fresh_clone_reads_pytest_summaries() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        'fresh_clone', REPO / 'tools' / 'dev' / 'fresh_clone.py'
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    log = (
        'tests/a.py ....\n'
        '=== 3 failed, 1510 passed, 27 skipped, 2 warnings, 1 error in 540.12s (0:09:00) ===\n'
    )
    assert module.pytest_counts(log) == dict(failed=3, passed=1510, skipped=27, warnings=2, error=1)
    assert module.pytest_counts('no summary') == {}
    assert module.pytest_counts('==== 12 passed in 3.01s ====') == dict(passed=12)


def test_headline_claims_only_three_seeds_or_more() -> None:
    def v(seeds: int, mean: float, std: float, gain: float | None) -> dict:
        return dict(seeds=list(range(seeds)), miou_mean=mean, miou_std=std, gain_mean=gain)

    meta = dict(command='bash x.sh', date='2026-12-07', commit='abc1234')
    data = dict(
        meta=meta,
        variants={'fcn32': v(3, 49.851, 0.78, None), 'hcfcn32': v(4, 54.78, 1.666, 4.934)},
    )
    assert headline(data) == (
        'mIoU: FCN-32 49.85 +- 0.78 (3 seeds); HCFCN-32 54.78 +- 1.67 (4 seeds, +4.93 paired) '
        '(`bash x.sh`, 2026-12-07, commit abc1234)\n'
    )
    data['variants']['hcfcn32-offlr1'] = v(1, 44.22, 0.0, -6.37)
    assert headline(data).startswith(
        'mIoU: FCN-32 49.85 +- 0.78 (3 seeds); HCFCN-32 54.78 +- 1.67 (4 seeds, +4.93 paired). '
        'Fewer than 3 seeds so far, no claim: HCFCN-32, DCN offsets at the full rate 44.22 '
        '(1 seed, -6.37 paired) ('
    )


def test_a_model_tested_at_another_scale_is_labelled_so() -> None:
    meta = dict(command='python s.py', date='2026-12-07', commit='abc1234')
    variants = {'fcn32@2x': dict(seeds=[0, 1, 2], miou_mean=59.2, miou_std=0.5, gain_mean=None)}
    variants['hcfcn32@2x'] = dict(seeds=[0, 1, 2], miou_mean=59.3, miou_std=2.4, gain_mean=0.1)
    assert headline(dict(meta=meta, variants=variants)).startswith(
        'mIoU: FCN-32, tested at 2x 59.20 +- 0.50 (3 seeds); HCFCN-32, tested at 2x 59.30 +- '
        '2.40 (3 seeds, +0.10 paired)'
    )
