"""The MMSegmentation tool box on segplug configs: print_config and benchmark's dataloader
mode in-process; then every new tool on bad input, as a user runs it (a subprocess that
exits non-zero naming the file or option at fault)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import Config

from segplug.apis import load_model
from segplug.engine import load_cfg
from tests.helpers import DEMO_CONFIG, DEMO_DATA, PY, dump_cfg, run_tool, tiny_cfg

pytestmark = pytest.mark.slow  # tools run as subprocesses

HC = 'configs/hc/hcfcn32_r18-v1c_1xb4-600i_camvid-256x256.py'
TI = 'configs/ti/ti-deeplabv3plus_r18-v1c_1xb4-200i_camvid-256x256.py'
CPP = 'configs/cpp/pspnet32-cpp_r18-v1c_1xb4-500i_camvid-256x256.py'
IMAGE = str(DEMO_DATA / 'images' / 'val' / '0016E5_07959.jpg')


@pytest.mark.parametrize('config', [HC, TI, CPP])
def test_print_config_resolves_bases_imports_and_options(config: str, tmp_path: Path) -> None:
    dump = tmp_path / 'resolved.py'
    cfg = load_cfg(config, {'model.decode_head.num_classes': 7})
    cfg.pop('launcher')  # what tools/misc/print_config.py prints
    cfg.dump(str(dump))
    resolved = Config.fromfile(str(dump))
    assert '_base_' not in dump.read_text()
    assert resolved.default_scope == 'mmseg'  # from mmseg::_base_/default_runtime.py
    assert resolved.custom_imports.imports == ['segplug']
    assert resolved.model.decode_head.num_classes == 7
    assert resolved.model.type == Config.fromfile(config).model.type
    assert 'launcher' not in resolved


def test_benchmark_dataloader_mode_counts_images_as_mmsegmentation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """5 val frames, 2 warm-up + 3 timed, 2 runs. A fake clock makes every warm-up forward
    last 10 s and every timed one 0.25 s: fps is exactly 4 only if warm-up is left out, the
    forward alone is timed and the loop stops after warm-up + iters."""
    import segplug.utils.benchmark as lib

    cfg = tiny_cfg(tmp_path / 'work', n_val=5)
    config = dump_cfg(cfg, tmp_path / 'cfg.py')
    clock = {'now': 0.0, 'calls': 0}
    monkeypatch.setattr(lib.time, 'perf_counter', lambda: clock['now'])
    model = load_model(config, init_weights=False)
    real_forward = model.forward

    def forward(inputs, data_samples=None, mode='tensor'):
        clock['now'] += 10.0 if clock['calls'] % 5 < 2 else 0.25
        clock['calls'] += 1
        return real_forward(inputs, data_samples, mode)

    model.forward = forward
    r = lib.dataloader_benchmark(
        model, Config.fromfile(config), warmup=2, iters=3, repeat=2, log=lambda _: None
    )
    assert r['fps_per_run'] == [4.0, 4.0] and r['fps'] == 4.0 and r['fps_variance'] == 0.0
    assert clock['calls'] == 10  # stopped at warm-up + iters (5 per run)
    assert r['mean_input_hw'] == [90.0, 120.0]  # the test pipeline's size
    with pytest.raises(ValueError, match='5 batches, fewer than --warmup 3 \\+ --iters 3'):
        lib.dataloader_benchmark(model, Config.fromfile(config), warmup=3, iters=3)


def test_benchmark_dataloader_mode_cli(tmp_path: Path) -> None:
    cfg = tiny_cfg(tmp_path / 'work', n_val=3)
    config = dump_cfg(cfg, tmp_path / 'cfg.py')
    out = tmp_path / 'fps.json'
    proc = run_tool(
        [
            PY,
            'tools/benchmark.py',
            config,
            '--mode',
            'dataloader',
            '--warmup',
            '1',
            '--iters',
            '2',
            '--device',
            'cpu',
            '--json',
            str(out),
        ]
    )
    r = json.loads(out.read_text())
    assert f'fps         {r["fps"]:.2f}' in proc.stdout
    assert r['mode'] == 'dataloader' and r['repeat'] == 1 and len(r['fps_per_run']) == 1
    assert r['fps'] == pytest.approx(r['average_fps']) and r['fps'] > 0


@pytest.fixture(scope='module')
def bad_inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A checkpoint of the demo FCN-32 (another model than HC's), a text file posing as an
    image and as a checkpoint, and a config whose one training image is unreadable."""
    tmp = tmp_path_factory.mktemp('bad')
    fcn = tmp / 'fcn32_demo.pth'
    torch.save({'state_dict': load_model(str(DEMO_CONFIG), init_weights=False).state_dict()}, fcn)
    text = tmp / 'notes.txt'
    text.write_text('not an image, not a checkpoint')
    (tmp / 'not_a_checkpoint.pth').write_text('not a checkpoint')
    (tmp / 'broken.jpg').write_text('not an image')
    data = tmp / 'data'
    for split in ('train', 'val'):
        (data / 'images' / split).mkdir(parents=True)
        (data / 'labels' / split).mkdir(parents=True)
        (data / 'images' / split / 'broken.jpg').write_text('not an image')
        np.save(data / 'unused.npy', np.zeros(1))
        src = DEMO_DATA / 'labels' / 'val' / '0016E5_07959.png'
        (data / 'labels' / split / 'broken.png').write_bytes(src.read_bytes())
        (data / f'{split}.txt').write_text('broken\n')
    cfg = tiny_cfg(tmp / 'work')
    cfg.train_dataloader.dataset.data_root = str(data)
    cfg.train_dataloader.dataset.ann_file = 'train.txt'
    return dict(
        fcn=str(fcn),
        text=str(text),
        image=str(tmp / 'broken.jpg'),
        ckpt_text=str(tmp / 'not_a_checkpoint.pth'),
        bad_data_cfg=dump_cfg(cfg, tmp / 'bad_data.py'),
    )


CASES = {
    # name: (arguments after the python executable, what stderr must name)
    'flops/missing config': (
        ['tools/analysis/get_flops.py', 'configs/hc/nope.py'],
        'configs/hc/nope.py',
    ),
    'flops/bad mode': (['tools/analysis/get_flops.py', HC, '--mode', 'train'], '--mode'),
    'print_config/missing config': (
        ['tools/misc/print_config.py', 'configs/ti/nope.py'],
        'configs/ti/nope.py',
    ),
    'browse/missing config': (
        [
            'tools/analysis/browse_dataset.py',
            'configs/cpp/nope.py',
            '--output-dir',
            '{tmp}',
            '--not-show',
        ],
        'configs/cpp/nope.py',
    ),
    'browse/unreadable image': (
        [
            'tools/analysis/browse_dataset.py',
            '{bad_data_cfg}',
            '--output-dir',
            '{tmp}',
            '--not-show',
        ],
        'broken.jpg',
    ),
    'benchmark/missing checkpoint': (
        ['tools/benchmark.py', HC, '{tmp}/absent.pth', '--device', 'cpu'],
        'absent.pth',
    ),
    'benchmark/another model': (
        ['tools/benchmark.py', HC, '{fcn}', '--device', 'cpu'],
        'fcn32_demo.pth',
    ),
    'benchmark/unreadable image': (
        ['tools/benchmark.py', CPP, '--image', '{text}', '--device', 'cpu'],
        'notes.txt',
    ),
    'publish/missing input': (
        ['tools/misc/publish_model.py', '{tmp}/absent.pth', '{tmp}/out.pth'],
        'absent.pth',
    ),
    'publish/not a checkpoint': (
        ['tools/misc/publish_model.py', '{ckpt_text}', '{tmp}/out.pth'],
        'not_a_checkpoint.pth',
    ),
    'image_demo/missing checkpoint': (
        ['tools/misc/image_demo.py', TI, '{tmp}/absent.pth', IMAGE, '--out-dir', '{tmp}'],
        'absent.pth',
    ),
    'image_demo/another model': (
        ['tools/misc/image_demo.py', HC, '{fcn}', IMAGE, '--out-dir', '{tmp}'],
        'fcn32_demo.pth',
    ),
    'image_demo/unreadable image': (
        ['tools/misc/image_demo.py', HC, '{fcn}', '{image}', '--out-dir', '{tmp}'],
        'broken.jpg',
    ),
}


def test_every_tool_names_the_input_at_fault(bad_inputs: dict[str, str], tmp_path: Path) -> None:
    def run(args: list[str]):
        args = [a.format(tmp=tmp_path, **bad_inputs) for a in args]
        return run_tool([PY, *args], check=False, timeout=300)

    with ThreadPoolExecutor(max_workers=4) as pool:
        procs = dict(zip(CASES, pool.map(run, [args for args, _ in CASES.values()])))
    failures = []
    for name, (_, culprit) in CASES.items():
        proc = procs[name]
        last = proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else ''
        if proc.returncode == 0 or culprit not in last:
            failures.append(f'{name}: exit {proc.returncode}, last stderr line: {last!r}')
    assert not failures, '\n'.join(failures)
