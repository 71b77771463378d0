"""MMSegmentation's inference API on segplug models (HC, TI, CPP), in a fresh Python that
has not imported segplug: ``custom_imports`` in the configs must register it.

``init_model`` + ``inference_model`` and ``MMSegInferencer`` must predict, on a real CamVid
frame, exactly what segplug's own strictly loaded model predicts; and
``segplug.utils.inference.build_inferencer`` refuses a checkpoint of another model.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from segplug.apis import load_model
from tests.helpers import DEMO_DATA, PY, REPO, run_tool

IMAGE = str(DEMO_DATA / 'images' / 'val' / '0016E5_07959.jpg')
CONFIGS = {
    'hc': REPO / 'configs/hc/hcfcn32_r18-v1c_1xb4-600i_camvid-256x256.py',
    'ti': REPO / 'configs/ti/ti-deeplabv3plus_r18-v1c_1xb4-200i_camvid-256x256.py',
    'cpp': REPO / 'configs/cpp/pspnet32-cpp_r18-v1c_1xb4-500i_camvid-256x256.py',
}
# inference at 90x120 (the frame is 360x480): seconds, not minutes
SMALL = """_base_ = [{base!r}]
test_pipeline = [dict(type='LoadImageFromFile'),
                 dict(type='Resize', scale=(120, 90), keep_ratio=True),
                 dict(type='LoadAnnotations'), dict(type='PackSegInputs')]
test_dataloader = dict(dataset=dict(pipeline=test_pipeline))
"""
SCRIPT = """
import json, sys
import numpy as np
from mmseg.apis import MMSegInferencer, inference_model, init_model
out = {}
for name, config, ckpt in json.loads(sys.argv[1]):
    assert 'segplug' not in sys.modules or name != 'hc', 'segplug imported before a config'
    a = inference_model(init_model(config, ckpt, device='cpu'), sys.argv[2])
    b = MMSegInferencer(model=config, weights=ckpt, device='cpu')(
        sys.argv[2], return_datasamples=True)
    np.save(f'{sys.argv[3]}/{name}_init_model.npy', a.pred_sem_seg.data[0].numpy())
    np.save(f'{sys.argv[3]}/{name}_inferencer.npy', b.pred_sem_seg.data[0].numpy())
    out[name] = sorted(a.keys())
print(json.dumps(out))
"""


def _checkpoint(config: Path, path: Path) -> Path:
    """The built model's weights, its classifier randomised so that it predicts several
    classes, saved with CamVid's metadata as MMEngine's runner saves it."""
    from segplug.datasets.camvid import CamVidDataset

    model = load_model(str(config), init_weights=False)
    state = model.state_dict()
    gen = torch.Generator().manual_seed(0)
    w = state['decode_head.conv_seg.weight']
    state['decode_head.conv_seg.weight'] = torch.randn(w.shape, generator=gen)
    torch.save({'state_dict': state, 'meta': {'dataset_meta': dict(CamVidDataset.METAINFO)}}, path)
    return path


@pytest.fixture(scope='module')
def small_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[str, str]]:
    tmp = tmp_path_factory.mktemp('inference')
    models = {}
    for name, base in CONFIGS.items():
        config = tmp / f'{name}.py'
        config.write_text(SMALL.format(base=str(base)))
        models[name] = (str(config), str(_checkpoint(config, tmp / f'{name}.pth')))
    return models


@pytest.mark.slow  # a subprocess
def test_mmseg_inference_api_runs_segplug_models(small_models: dict, tmp_path: Path) -> None:
    from mmseg.apis import inference_model

    jobs = [[name, cfg, ckpt] for name, (cfg, ckpt) in small_models.items()]
    proc = run_tool([PY, '-c', SCRIPT, json.dumps(jobs), IMAGE, str(tmp_path)])
    fields = json.loads(proc.stdout.strip().splitlines()[-1])
    assert set(fields) == {'hc', 'ti', 'cpp'}
    assert 'superpixels' in ' '.join(fields['ti'])  # TI attaches its superpixels
    for name, (config, ckpt) in small_models.items():
        reference = inference_model(load_model(config, ckpt), IMAGE).pred_sem_seg.data[0]
        reference = reference.numpy()
        assert reference.shape == (360, 480) and len(np.unique(reference)) >= 2, name
        for api in ('init_model', 'inferencer'):
            pred = np.load(tmp_path / f'{name}_{api}.npy')
            assert np.array_equal(pred, reference), f'{name}: {api} predicts otherwise'


def test_build_inferencer_uses_the_checkpoints_palette_and_refuses_another_model(
    small_models: dict,
) -> None:
    from segplug.datasets.camvid import CamVidDataset
    from segplug.utils.inference import build_inferencer

    config, ckpt = small_models['hc']
    inferencer = build_inferencer(config, ckpt, device='cpu')
    meta = inferencer.visualizer.dataset_meta
    assert list(meta['classes']) == list(CamVidDataset.METAINFO['classes'])
    assert [list(c) for c in meta['palette']] == [
        list(c) for c in CamVidDataset.METAINFO['palette']
    ]
    with pytest.raises(ValueError, match=r'cpp\.pth does not fit the model of .*hc\.py'):
        build_inferencer(config, small_models['cpp'][1], device='cpu')


@pytest.mark.slow  # a subprocess
def test_image_demo_draws_the_prediction_in_the_checkpoints_palette(
    small_models: dict, tmp_path: Path
) -> None:
    import cv2
    from mmseg.apis import inference_model

    from segplug.datasets.camvid import CamVidDataset

    config, ckpt = small_models['cpp']
    out = tmp_path / 'demo.png'
    proc = run_tool(
        [
            PY,
            'tools/misc/image_demo.py',
            config,
            ckpt,
            IMAGE,
            '--out',
            str(out),
            '--no-labels',
            '--opacity',
            '0.5',
            '--device',
            'cpu',
        ]
    )
    assert str(out) in proc.stdout
    drawn = cv2.imread(str(out))[..., ::-1].astype(float)
    pred = inference_model(load_model(config, ckpt), IMAGE).pred_sem_seg.data[0].numpy()
    palette = np.array(CamVidDataset.METAINFO['palette'], dtype=float)
    image = cv2.imread(IMAGE)[..., ::-1].astype(float)
    expected = np.floor(image * 0.5 + palette[pred] * 0.5)
    assert drawn.shape == (360, 480, 3) and np.abs(drawn - expected).max() <= 1
