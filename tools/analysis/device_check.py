"""segplug's device check: CUDA tests, AMP training of every model family, HC timings.

    python tools/analysis/device_check.py --device cuda --out DIR [--quick] [--quality]
    python tools/analysis/device_check.py --device cpu --quick --out DIR   (dry run, CI)

Called by ``tools/gpu_check.sh`` after it has installed the stack. Stages, each recorded
even when it fails (one call must bring back everything):

1. ``tests``: ``pytest -m cuda`` (every device-parametrised test's CUDA case); dry run: the
   CPU cases of the op parity tests.
2. ``amp``: every model family (``segplug.engine.smoke.FAMILIES``) trained for ``--iters``
   iterations under float16 (loss scaling) and bfloat16 autocast; dry run: bfloat16 on CPU.
3. ``hc_speed``: ``benchmarks/hc_speed.py`` at 1024x2048, ResNet-101, batch 1, float32 and
   float16, interleaved with the in-run ceiling; dry run: ResNet-18 at 64x128.
4. ``benchmark``: ``tools/benchmark.py`` for the demo model.
5. ``quality`` (``--quality``, if ``data/camvid`` holds full CamVid): FCN-32, HCFCN-32 and
   AtrousFCN (R18, 3000 iterations, 360x480 crops) trained and evaluated.

Writes ``DIR/device_check.json`` and ``DIR/device_check.md`` (plus each stage's log).
"""

from __future__ import annotations

import argparse
import json
import os
import os.path as osp
import platform
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from typing import Any

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO_CONFIG = 'configs/demo/fcn32_r18-v1c_1xb4-500i_camvid-demo-256x256.py'
QUALITY_MODELS = ('fcn32_r18-v1c', 'hcfcn32_r18-v1c', 'atrousfcn_r18-v1c-d8')


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--device', choices=['cuda', 'cpu'], default='cuda')
    parser.add_argument('--out', required=True, help='folder for the summary and logs')
    parser.add_argument(
        '--quick', action='store_true', help='tiny sizes everywhere (the dry run CI does)'
    )
    parser.add_argument(
        '--iters',
        type=int,
        default=None,
        help='AMP iterations per family (default 20; 1 with --quick)',
    )
    parser.add_argument(
        '--quality',
        action='store_true',
        help='also train the CamVid quality comparison (minutes on a GPU)',
    )
    parser.add_argument(
        '--stages',
        nargs='+',
        default=['tests', 'amp', 'hc_speed', 'benchmark'],
        choices=['tests', 'amp', 'hc_speed', 'benchmark'],
    )
    return parser.parse_args(argv)


def run_logged(name: str, cmd: list[str], out: str, timeout: int) -> dict[str, Any]:
    """Run ``cmd`` from the repository root; its output goes to ``out/name.log``."""
    t0 = time.perf_counter()
    log = osp.join(out, f'{name}.log')
    env = dict(os.environ, PYTHONUNBUFFERED='1')
    env['PYTHONPATH'] = os.pathsep.join([REPO] + [p for p in [env.get('PYTHONPATH')] if p])
    try:
        proc = subprocess.run(
            cmd, cwd=REPO, capture_output=True, text=True, timeout=timeout, env=env
        )
        rc, text = proc.returncode, proc.stdout + proc.stderr
    except subprocess.TimeoutExpired as err:
        rc = 124
        text = f'{err.stdout or ""}{err.stderr or ""}\n[timed out after {timeout} s]'
        text = text if isinstance(text, str) else text.decode(errors='replace')
    with open(log, 'w') as f:
        f.write(' '.join(cmd) + '\n\n' + text)
    return dict(
        cmd=' '.join(cmd),
        returncode=rc,
        seconds=round(time.perf_counter() - t0, 1),
        log=osp.basename(log),
        tail=text[-1500:],
    )


def stage_tests(args: argparse.Namespace) -> dict[str, Any]:
    junit = osp.join(args.out, 'tests.xml')
    if args.device == 'cuda':
        select = ['tests', '-m', 'cuda']
    else:  # dry run: one parity test's CPU case
        select = ['tests/ops/test_device_parity.py', '-k', 'cpu and soft_assign']
    res = run_logged(
        'tests',
        [
            sys.executable,
            '-m',
            'pytest',
            *select,
            '-q',
            '-p',
            'no:cacheprovider',
            # pytest.ini's -n auto needs pytest-xdist, which the GPU machine lacks
            '-o',
            'addopts=-ra',
            f'--junitxml={junit}',
        ],
        args.out,
        420,
    )
    if osp.isfile(junit):
        suite = ET.parse(junit).getroot()
        suite = suite if suite.tag == 'testsuite' else suite.find('testsuite')
        res.update({k: int(suite.get(k, 0)) for k in ('tests', 'failures', 'errors', 'skipped')})
        res['failed'] = [
            f'{c.get("classname")}::{c.get("name")}'
            for c in suite.iter('testcase')
            if c.find('failure') is not None or c.find('error') is not None
        ]
    return res


def stage_amp(args: argparse.Namespace) -> dict[str, Any]:
    from segplug.engine.smoke import FAMILIES, smoke_train

    iters = args.iters or (1 if args.quick else 20)
    dtypes = ['float16', 'bfloat16'] if args.device == 'cuda' else ['bfloat16']
    families = list(FAMILIES) if not args.quick else ['HCFCN-32', 'CPP-KL']
    crop = 64 if args.quick else 256
    results = []
    with tempfile.TemporaryDirectory() as work:
        for dtype in dtypes:
            for fam in families:
                r = smoke_train(
                    fam,
                    osp.join(work, f'{fam}-{dtype}'.replace(' ', '_')),
                    REPO,
                    amp=dtype,
                    iters=iters,
                    crop=crop,
                    batch=2,
                )
                results.append(vars(r))
                print(
                    f'amp {dtype} {fam}: finite={r.finite} {r.seconds:.2f} s {r.error or ""}',
                    flush=True,
                )
    return dict(results=results, ok=all(r['finite'] for r in results))


def stage_hc_speed(args: argparse.Namespace) -> dict[str, Any]:
    out = osp.join(args.out, 'hc_speed.json')
    if args.quick:
        opts = [
            '--depth',
            '18',
            '--shape',
            '64',
            '128',
            '--rounds',
            '1',
            '--iters',
            '1',
            '--pairs',
            'hcfcn32',
        ]
    else:
        opts = [
            '--depth',
            '101',
            '--shape',
            '1024',
            '2048',
            '--rounds',
            '3',
            '--iters',
            '3',
            '--no-flops',
        ]
    dtypes = ['float32', 'float16'] if args.device == 'cuda' else ['float32']
    res = run_logged(
        'hc_speed',
        [
            sys.executable,
            'benchmarks/hc_speed.py',
            *opts,
            '--device',
            args.device,
            '--dtypes',
            *dtypes,
            '--classes',
            '19',
            '--json',
            out,
        ],
        args.out,
        360,
    )
    if osp.isfile(out):
        with open(out) as f:
            res['rows'] = json.load(f)
    return res


def stage_benchmark(args: argparse.Namespace) -> dict[str, Any]:
    out = osp.join(args.out, 'benchmark_demo.json')
    shape = ['64', '64'] if args.quick else ['360', '480']
    reps = ['--warmup', '1', '--iters', '2', '--repeat', '1'] if args.quick else []
    res = run_logged(
        'benchmark',
        [
            sys.executable,
            'tools/benchmark.py',
            DEMO_CONFIG,
            '--shape',
            *shape,
            '--device',
            args.device,
            *reps,
            '--json',
            out,
        ],
        args.out,
        120,
    )
    if osp.isfile(out):
        with open(out) as f:
            res['result'] = json.load(f)
    return res


def stage_quality(args: argparse.Namespace) -> dict[str, Any]:
    root = osp.join(REPO, 'data', 'camvid')
    if not osp.isfile(osp.join(root, 'train.txt')):
        return dict(skipped=f'{root}: full CamVid not found (carry it as data/camvid)')
    it = '3000'
    res: dict[str, Any] = {}
    for m in QUALITY_MODELS:
        cfg = f'configs/hc/{m}_1xb4-600i_camvid-256x256.py'
        work = osp.join(tempfile.gettempdir(), 'segplug_quality', m)
        res[m] = run_logged(
            f'quality_{m}',
            [
                sys.executable,
                'tools/train.py',
                cfg,
                '--work-dir',
                work,
                '--cfg-options',
                f'train_cfg.max_iters={it}',
                f'train_cfg.val_interval={it}',
                f'param_scheduler.1.end={it}',
                'model.data_preprocessor.size=[360,480]',
                f'default_hooks.checkpoint.interval={it}',
            ],
            args.out,
            900,
        )
    return res


def markdown(summary: dict[str, Any]) -> str:
    """The summary as the markdown that goes into the READMEs."""
    env = summary['env']
    lines = [
        f'# segplug device check ({summary["device"]})',
        '',
        f'- device: **{env.get("device_name")}**; torch {env.get("torch")}, CUDA '
        f'{env.get("cuda")}, Python {env.get("python")}; '
        f'{summary["seconds"]:.0f} s in all',
        '',
    ]
    st = summary['stages']
    if 'tests' in st:
        t = st['tests']
        lines += [
            '## CUDA tests',
            '',
            f'{t.get("tests", "?")} run, {t.get("failures", "?")} failed, '
            f'{t.get("errors", "?")} errors, {t.get("skipped", "?")} skipped '
            f'({t["seconds"]} s)',
            '',
        ]
        lines += [f'- failed: `{name}`' for name in t.get('failed', [])]
    if 'amp' in st:
        lines += [
            '',
            '## AMP training',
            '',
            '| family | dtype | iters | first loss | last loss | finite | s |',
            '|---|---|---|---|---|---|---|',
        ]
        for r in st['amp']['results']:
            first = f'{r["losses"][0]:.3f}' if r['losses'] else '-'
            last = f'{r["losses"][-1]:.3f}' if r['losses'] else '-'
            lines.append(
                f'| {r["family"]} | {r["amp"]} | {r["iters"]} | {first} | {last} | '
                f'{"yes" if r["finite"] else "NO: " + str(r["error"])} | '
                f'{r["seconds"]:.1f} |'
            )
    if 'hc_speed' in st:
        lines += [
            '',
            '## HC speed (benchmarks/hc_speed.py)',
            '',
            '| dtype | baseline | HC model | ms baseline | ms HC | ratio | paper |',
            '|---|---|---|---|---|---|---|',
        ]
        for r in st['hc_speed'].get('rows', []):
            if 'time_ratio' in r:
                lines.append(
                    f'| {r["dtype"]} | {r["baseline"]} | {r["hc"]} | '
                    f'{r["ms_baseline"]:.1f} | {r["ms_hc"]:.1f} | '
                    f'{r["time_ratio"]:.2f} | {r["paper_ratio"]:.2f} |'
                )
            else:
                lines.append(
                    f'| {r["dtype"]} | ceiling {r["baseline"]} / {r["plain"]} | | | '
                    f'| {r["ceiling_time_ratio"]:.2f} | HC reaches '
                    f'{r["fraction_of_ceiling"]:.0%} |'
                )
    if 'benchmark' in st and 'result' in st['benchmark']:
        lines += [
            '',
            '## tools/benchmark.py, demo model',
            '',
            '```',
            json.dumps(st['benchmark']['result'], indent=1)[:1500],
            '```',
        ]
    for name, s in st.items():
        rc = s.get('returncode') if isinstance(s, dict) else None
        if rc not in (None, 0):
            lines += ['', f'**stage {name} exited {rc}** (log: `{s.get("log")}`)']
    return '\n'.join(lines) + '\n'


def environment(device: str) -> dict[str, Any]:
    import torch

    env = dict(
        python=platform.python_version(),
        torch=torch.__version__,
        cuda=torch.version.cuda,
        cuda_available=torch.cuda.is_available(),
    )
    env['device_name'] = (
        torch.cuda.get_device_name(0) if device == 'cuda' else f'{platform.machine()} CPU'
    )
    return env


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    import torch

    if args.device == 'cuda' and not torch.cuda.is_available():
        print('device_check: --device cuda but torch.cuda.is_available() is false', file=sys.stderr)
        return 2
    os.makedirs(args.out, exist_ok=True)
    t0 = time.perf_counter()
    summary: dict[str, Any] = dict(
        device=args.device, quick=args.quick, env=environment(args.device), stages={}
    )
    stages = {
        'tests': stage_tests,
        'amp': stage_amp,
        'hc_speed': stage_hc_speed,
        'benchmark': stage_benchmark,
        'quality': stage_quality,
    }
    names = list(args.stages) + (['quality'] if args.quality else [])
    for name in names:
        print(f'== {name}', flush=True)
        t = time.perf_counter()
        try:
            summary['stages'][name] = stages[name](args)
        except Exception as err:  # one broken stage must not lose the others' results
            summary['stages'][name] = dict(returncode=1, error=f'{type(err).__name__}: {err}')
        summary['stages'][name].setdefault('seconds', round(time.perf_counter() - t, 1))
        summary['seconds'] = time.perf_counter() - t0
        with open(osp.join(args.out, 'device_check.json'), 'w') as f:
            json.dump(summary, f, indent=1, default=str)
        with open(osp.join(args.out, 'device_check.md'), 'w') as f:
            f.write(markdown(summary))
    print(open(osp.join(args.out, 'device_check.md')).read())
    ok = all(s.get('returncode', 0) == 0 and s.get('ok', True) for s in summary['stages'].values())
    return 0 if ok else 1


if __name__ == '__main__':
    sys.exit(main())
