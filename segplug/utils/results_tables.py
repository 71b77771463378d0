"""Markdown tables rendered from measured result files, so that READMEs cannot drift.

A benchmark writes its numbers, command, date and commit to ``docs/results/<name>.json``; a
Markdown file holds a block

    <!-- results: <name>/<view> -->
    ...generated...
    <!-- /results -->

whose body is ``RENDERERS[view](json)``. ``python tools/dev/render_results.py`` rewrites the
blocks; ``tests/utils/test_results_tables.py`` fails when a block differs from its file.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Callable

BLOCK = re.compile(
    r'(?P<open><!-- results: (?P<name>[\w.-]+)/(?P<view>[\w-]+) -->\n)(?P<body>.*?)'
    r'(?P<close><!-- /results -->)',
    re.S,
)
THIN = ('Pole', 'SignSymbol', 'Pedestrian', 'Bicyclist')
LABELS = {
    'fcn32': 'FCN-32',
    'hcfcn32': 'HCFCN-32',
    'hcfcn32-offlr1': 'HCFCN-32, DCN offsets at the full rate',
    'hcfcn32-assign': 'HCFCN-32 + assignment loss',
    'hcfcn32-sepoff': 'HCFCN-32, separable offset predictors',
    'hcfcn32-nodcn': 'HCFCN-32 without DCNs (clustering and decoding only)',
    'atrousfcn': 'AtrousFCN (stride 8)',
    'fpn-bilinear': 'FPN (bilinear)',
    'fpn-hc': 'HC-FPN',
    'fpn-dysample': 'DySample-FPN',
    'deeplabv3plus': 'DeepLabV3+ (stage 1: CE, auxiliary CE on upsampled logits)',
    'deeplabv3plus-cpp': 'DeepLabV3+, CPP-KL auxiliary loss',
    'deeplabv3plus-nearest': 'DeepLabV3+, auxiliary CE on nearest-downsampled labels',
    'ft-deeplabv3plus': 'stage 1 + CE (control of UOI and TI)',
    'ft-deeplabv3plus-uoi': 'stage 1 + 0.7 UOI + 0.3 CE',
    'ti-deeplabv3plus': 'stage 1 + superpixel FCN, TI, logit consistency',
    'semantic-features-fcn32': 'FCN-32 + hypercolumn head, Eq. 1 beside CE',
    'semantic-features-w0-fcn32': 'FCN-32 + hypercolumn head, Eq. 1 at weight 0 (CE alone)',
}


def _label(name: str) -> str:
    """A variant's name as the tables show it; ``name@2x`` (a model tested at another input
    scale, benchmarks/hc_test_scale.py) as the model's label and the scale."""
    model, _, scale = name.partition('@')
    label = LABELS.get(model, model)
    return f'{label}, tested at {scale}' if scale else label


def _provenance(meta: dict) -> str:
    where = f'; {meta["conditions"]}' if meta.get('conditions') else ''
    return f'`{meta["command"]}`, {meta["date"]}, commit {meta["commit"]}{where}'


def _gain(v: dict) -> str:
    """The paired gain over the baseline, and over a second one (``also``) when given."""
    if v['gain_mean'] is None:
        return '-'
    parts = []
    for g in (v, v.get('also')):
        if g:
            base = _label(g['baseline'])
            if len(g['gains_per_seed']) == 1:  # one pair: no spread to give
                parts.append(f'{g["gain_mean"]:+.2f} over {base}')
                continue
            per_seed = ' / '.join(f'{x:+.2f}' for x in g['gains_per_seed'])
            parts.append(f'{g["gain_mean"]:+.2f} +- {g["gain_std"]:.2f} ({per_seed}) over {base}')
    return '; '.join(parts)


def seeds_table(data: dict) -> str:
    """Per variant: seeds, mIoU mean +- std, paired gain, thin classes, other classes, BF@3."""
    variants = data['variants']
    others = [c for c in next(iter(variants.values()))['class_iou'] if c not in THIN]
    lines = [
        '| model | seeds | mIoU | gain over its baseline, paired by seed | '
        + ' | '.join(THIN + tuple(others))
        + ' | BF@3 |',
        '|---|---|---|---|' + '---|' * (len(THIN) + len(others)) + '---|',
    ]
    for name, v in variants.items():
        classes = v['class_iou']
        lines.append(
            f'| {_label(name)} | {len(v["seeds"])} | '
            f'{v["miou_mean"]:.2f}'
            + (f' +- {v["miou_std"]:.2f}' if len(v['seeds']) > 1 else '')
            + f' | {_gain(v)} | '
            + ' | '.join(f'{classes[c]:.1f}' for c in THIN + tuple(others))
            + f' | {v["bf3"]:.2f} |'
        )
    lines.append('')
    lines.append(
        'mean +- std (population) over seeds (one seed: its value, no claim); per-class IoU '
        'and BF@3 (BSDS convention) are '
        f'means over seeds. Measured: {_provenance(data["meta"])}.'
    )
    trained = [
        f'{_label(name)} {" / ".join(v["commits"][s] for s in v["seeds"])}'
        for name, v in variants.items()
        if v.get('commits')
    ]
    if trained:
        lines.append(
            'Commits the runs trained at, by seed (~: the last commit before the run started, '
            f'for runs started before commits were recorded): {"; ".join(trained)}.'
        )
    return '\n'.join(lines) + '\n'


_PROBE_ACC = ('knn_acc', 'knn_macc', 'probe_acc', 'probe_macc')


def _signed(key: str, value: float) -> str:
    """A probe gain: accuracies in points (1 decimal), the distance ratio with 3."""
    return f'{value:+.3f}' if key == 'ratio' else f'{value:+.1f}'


def probes_table(data: dict) -> str:
    """Feature probes of the variants that have them: kNN and linear-probe accuracy, mean
    class accuracy and the intra / inter-class distance ratio, mean +- std over seeds, and
    the gains over the control paired by seed."""
    lines = [
        '| model | seeds | kNN acc | kNN mAcc | probe acc | probe mAcc | intra / inter | '
        'gain over its control, paired by seed |',
        '|---|---|---|---|---|---|---|---|',
    ]
    for name, v in data['variants'].items():
        p = v.get('probes')
        if not p:
            continue
        cells = [f'{p["mean"][k]:.1f} +- {p["std"][k]:.1f}' for k in _PROBE_ACC]
        cells.append(f'{p["mean"]["ratio"]:.3f} +- {p["std"]["ratio"]:.3f}')
        gains = [
            f'{k} {_signed(k, g["gain_mean"])} '
            f'({" / ".join(_signed(k, x) for x in g["gains_per_seed"])})'
            for k, g in p['gains'].items()
            if g and k in ('knn_acc', 'probe_acc', 'ratio')
        ]
        base = next((g['baseline'] for g in p['gains'].values() if g), None)
        gain = f'{", ".join(gains)} over {_label(base)}' if gains else '-'
        lines.append(f'| {_label(name)} | {len(p["per_seed"])} | {" | ".join(cells)} | {gain} |')
    lines += [
        '',
        'tools/analysis/eval_features.py on each run (100 labelled pixels per frame, 60 train / '
        '101 val frames, k = 10; accuracies in %; intra / inter: lower is more semantic). '
        f'Measured: {_provenance(data["meta"])}.',
    ]
    return '\n'.join(lines) + '\n'


#: fewer seeds than this make an anecdote, not a claim (the project's standard)
MIN_SEEDS = 3


def headline(data: dict) -> str:
    """One line: each variant's mIoU, mean +- std over its seeds, and its gain paired by
    seed; variants with fewer than ``MIN_SEEDS`` seeds follow apart, without a std, as
    what they are (runs so far, no claim)."""
    claims, anecdotes = [], []
    for name, v in data['variants'].items():
        n = len(v['seeds'])
        gain = '' if v['gain_mean'] is None else f', {v["gain_mean"]:+.2f} paired'
        seeds = f'{n} seed{"s" if n > 1 else ""}{gain}'
        if n >= MIN_SEEDS:
            claims.append(f'{_label(name)} {v["miou_mean"]:.2f} +- {v["miou_std"]:.2f} ({seeds})')
        else:
            anecdotes.append(f'{_label(name)} {v["miou_mean"]:.2f} ({seeds})')
    text = '; '.join(claims)
    if anecdotes:
        text += (
            f'{". " if claims else ""}Fewer than {MIN_SEEDS} seeds so far, no claim: '
            + '; '.join(anecdotes)
        )
    return f'mIoU: {text} ({_provenance(data["meta"])})\n'


def demo_summary(data: dict) -> str:
    """The demo's before / after mIoU, per-class IoU after training, time and provenance."""
    classes = ', '.join(f'{c} {v:.1f}' for c, v in data['class_iou_after'].items())
    return (
        f'| demo (CPU, 2 cores) | mIoU (40 val frames) |\n|---|---|\n'
        f'| ImageNet start, head untrained (iteration 0) | {data["miou_before"]:.2f} |\n'
        f'| after {data["iters"]} iterations | **{data["miou_after"]:.2f}** |\n\n'
        f'Per class after training: {classes}. Training and the two evaluations took '
        f'{data["train_and_eval_seconds"] / 60:.1f} min (`{data["config"]}`). Measured: '
        f'{_provenance(data["meta"])}.\n'
    )


def speed_table(data: dict) -> str:
    """ms/image and GFLOPs of each model, and their ratio to its baseline: the one
    ``data['baselines']`` names for it, else the first model; with ``data['time_ratio']``
    the time ratio is the one paired by round (median, and quartiles over rounds)."""
    ms, gflops = data['ms_per_image'], data['gflops']
    paired = data.get('time_ratio', {})
    first = next(iter(ms))
    baselines = data.get('baselines', {})
    lines = [
        '| model | ms/image | time / baseline | GFLOPs | FLOPs / baseline | baseline |',
        '|---|---|---|---|---|---|',
    ]
    for n in ms:
        base = baselines.get(n, first)
        ratio = f'{ms[n] / ms[base]:.2f}x'
        if n in paired:
            q = paired[n]
            ratio = f'{q["median"]:.2f}x ({q["q1"]:.2f}-{q["q3"]:.2f})'
        lines.append(
            f'| {_label(n)} | {ms[n]:.1f} | {ratio} | {gflops[n]:.2f} | '
            f'{gflops[n] / gflops[base]:.2f}x | {_label(base)} |'
        )
    meta = data['meta']
    lines += [
        '',
        f'{meta["device"]}, one {meta["shape"][0]}x{meta["shape"][1]} frame, interleaved '
        'rounds, median'
        + (
            '; time / baseline paired by round: the median over rounds of the time over the '
            "baseline's in the same round, (quartiles)"
            if paired
            else ''
        )
        + f'. Measured: {_provenance(meta)}.',
    ]
    return '\n'.join(lines) + '\n'


def speed_headline(data: dict) -> str:
    """One line: each model's time over its baseline's (paired by round where measured so)
    and its FLOPs over the baseline's, the baselines themselves left out."""
    ms, gflops = data['ms_per_image'], data['gflops']
    first = next(iter(ms))
    baselines = data.get('baselines', {})
    paired = data.get('time_ratio', {})
    parts = []
    for n in ms:
        base = baselines.get(n, first)
        if n == base or n in baselines.values():
            continue
        ratio = paired[n]['median'] if n in paired else ms[n] / ms[base]
        parts.append(
            f'{_label(n)} {ratio:.2f}x the time of {_label(base)} '
            f'({gflops[n] / gflops[base]:.2f}x its FLOPs)'
        )
    meta = data['meta']
    return (
        f'Inference on {meta["device"]}, {meta["shape"][0]}x{meta["shape"][1]}: '
        + '; '.join(parts)
        + f' ({_provenance(meta)})\n'
    )


def _counts(run: dict) -> str:
    """'1513 passed, 27 skipped' from a fresh-clone test run's counts (failures first)."""
    order = ('failed', 'error', 'passed', 'skipped', 'xfailed')
    counts = run.get('counts') or {}
    return ', '.join(f'{counts[k]} {k}' for k in order if counts.get(k))


def _minutes(seconds: float) -> str:
    return f'{int(seconds // 60)} min {int(round(seconds % 60)):02d} s'


def tests_summary(data: dict) -> str:
    """README: the suite's and the fast tier's wall time in a fresh clone, with set-up."""
    suite, fast, setup = data['suite'], data['fast'], data['setup']
    first = data.get('first_setup')
    first_text = (
        f' The first set-up on a new machine builds mmcv once: {first["seconds"] / 60:.1f} min '
        f'({first["date"]}).'
        if first
        else ''
    )
    return (
        'Command 2 runs the whole suite on both cores (pytest-xdist): '
        f'**{_minutes(suite["seconds"])}** '
        f'({_counts(suite)}), after {setup["seconds"]:.0f} s of set-up. '
        f'`{fast["command"]}` is the fast tier (every op against its reference, every '
        "module's forward / backward, the data checks and CLI error paths), for a "
        f"contributor's loop: **{_minutes(fast['seconds'])}** ({_counts(fast)}).{first_text} "
        f'Measured: {_provenance(data["meta"])}; details: [docs/testing.md](docs/testing.md).\n'
    )


def tests_list(data: dict) -> str:
    """docs/testing.md: each step of the fresh-clone measurement, its command and result."""
    lines = [f'Measured: {_provenance(data["meta"])}.', '']
    for key, label in (
        ('setup', 'set-up'),
        ('lint', 'lint'),
        ('suite', 'full suite'),
        ('fast', 'fast tier'),
        ('demo', 'README command 1 (the demo)'),
    ):
        run = data.get(key)
        if not run:
            continue
        outcome = _counts(run) or ('ok' if run['returncode'] == 0 else f'exit {run["returncode"]}')
        lines.append(f'- {label}, `{run["command"]}`: **{_minutes(run["seconds"])}**, {outcome}')
    first = data.get('first_setup')
    if first:
        lines.append(
            f'- first set-up on a new machine (empty wheel cache, mmcv built from source), '
            f'`{first["command"]}`: {_minutes(first["seconds"])} ({first["date"]}; not re-measured '
            'by the script)'
        )
    return '\n'.join(lines) + '\n'


RENDERERS: dict[str, Callable[[dict], str]] = {
    'tests-summary': tests_summary,
    'tests-list': tests_list,
    'speed-table': speed_table,
    'speed-headline': speed_headline,
    'seeds-table': seeds_table,
    'probes-table': probes_table,
    'headline': headline,
    'demo-summary': demo_summary,
}


def markdown_files(root: Path) -> list[Path]:
    """The Markdown files under ``root`` that hold a results block (build output and work
    dirs left out)."""
    skip = {'work_dirs', '.git', 'build', 'dist'}
    return sorted(
        p
        for p in root.rglob('*.md')
        if not skip & set(p.relative_to(root).parts) and BLOCK.search(p.read_text())
    )


def render_blocks(text: str, results_dir: Path) -> str:
    """``text`` with every results block's body rendered from ``results_dir/<name>.json``.

    Raises:
        FileNotFoundError: a block names a result file that does not exist.
        KeyError: a block names an unknown view.
    """

    def fill(m: re.Match) -> str:
        path = results_dir / f'{m["name"]}.json'
        if not path.is_file():
            raise FileNotFoundError(f'results block {m["name"]}/{m["view"]}: no {path}')
        if m['view'] not in RENDERERS:
            raise KeyError(f'results block {m["name"]}: unknown view {m["view"]!r}')
        return m['open'] + RENDERERS[m['view']](json.loads(path.read_text())) + m['close']

    return BLOCK.sub(fill, text)
