"""segplug/deployment (wrapper, export): every model family exports, passes onnx.checker and
matches PyTorch in ONNX Runtime on real CamVid frames, at the traced size and at an odd one
from the same file; bad input is named."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.config import ConfigDict

from segplug.deployment import (
    ExportError,
    ExportWrapper,
    OrtRunner,
    build_segmentor,
    check_model,
    check_parity,
    export_onnx,
    read_frame,
)
from segplug.models.utils import TransparentLayers
from tests.helpers import DEMO_DATA

pytest.importorskip('onnxruntime')
onnx = pytest.importorskip('onnx')

REPO = Path(__file__).resolve().parents[2]
MODELS = REPO / 'configs' / '_base_' / 'models'
FRAMES = sorted((DEMO_DATA / 'images' / 'val').glob('*.jpg'))
TRACED, ODD = (64, 96), (45, 61)

# R18 at a quarter of its widths (stages 16..128 channels): the same graph, smaller numbers
NARROW = {
    'model.backbone.stem_channels': 16,
    'model.backbone.base_channels': 16,
    'model.decode_head.in_channels': 128,
    'model.decode_head.channels': 16,
    'model.auxiliary_head.in_channels': 64,
    'model.auxiliary_head.channels': 8,
}
NARROW_FPN = {
    'model.backbone.stem_channels': 16,
    'model.backbone.base_channels': 16,
    'model.neck.in_channels': [16, 32, 64, 128],
    'model.neck.out_channels': 16,
    'model.decode_head.in_channels': [16, 16, 16, 16],
    'model.decode_head.channels': 16,
}
HC = {'model.backbone.cluster_dim': 8}
FAMILIES = {
    'fcn32': (MODELS / 'fcn32_r18-v1c.py', NARROW),
    'hcfcn32': (MODELS / 'hcfcn32_r18-v1c.py', {**NARROW, **HC}),
    'atrousfcn': (MODELS / 'atrousfcn_r18-v1c-d8.py', NARROW),
    'pspnet': (MODELS / 'pspnet_r18-v1c-d8.py', NARROW),
    'hcpspnet': (MODELS / 'hcpspnet_r18-v1c.py', {**NARROW, **HC}),
    'deeplabv3': (MODELS / 'deeplabv3_r18-v1c-d8.py', NARROW),
    'hcdeeplabv3': (MODELS / 'hcdeeplabv3_r18-v1c.py', {**NARROW, **HC}),
    'fpn': (MODELS / 'fpn_r18-v1c.py', NARROW_FPN),
    'hcfpn': (MODELS / 'hcfpn_r18-v1c.py', {**NARROW_FPN, **HC}),
    # the TI joint model: DeepLabV3+ + superpixel FCN + TI fusion (float64) + logit consistency
    'ti_joint': (
        REPO / 'configs' / 'ti' / 'ti-deeplabv3plus_r18-v1c_1xb4-200i_camvid-256x256.py',
        {
            **NARROW,
            'model.decode_head.c1_in_channels': 16,
            'model.decode_head.c1_channels': 8,
            'model.superpixel_net.base_channels': 4,
        },
    ),
    # CPP changes the auxiliary loss only; its inference path is the baseline's
    'cpp_pspnet32': (
        REPO / 'configs' / 'cpp' / 'pspnet32-cpp_r18-v1c_1xb4-500i_camvid-256x256.py',
        NARROW,
    ),
}


@pytest.fixture(autouse=True, scope='module')
def one_thread():
    """One intra-op thread: PyTorch's tiny convolutions take its native path, whose OpenMP
    threads crawl on a loaded shared machine (seconds per 64x96 forward at two threads)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def perturbed(model: torch.nn.Module, seed: int = 0) -> torch.nn.Module:
    """Move the weights off their initial values (DCN offsets are zero at init, which would
    hide sampling errors; TI is the identity) and give BN non-trivial statistics. TI's hidden
    layers stay exact: its last layer's weights (~1e3) undo them, and would amplify noise
    there a thousandfold."""
    gen = torch.Generator().manual_seed(seed)
    keep = {
        id(p)
        for m in model.modules()
        if isinstance(m, TransparentLayers)
        for layer in m.layers[:-1]
        for p in layer.parameters()
    }
    with torch.no_grad():
        for p in model.parameters():
            if id(p) not in keep:
                p.add_(0.05 * torch.randn(p.shape, generator=gen, dtype=p.dtype))
        for name, b in model.named_buffers():
            if name.endswith('running_var'):
                b.uniform_(0.5, 1.5, generator=gen)
            elif name.endswith('running_mean'):
                b.normal_(0, 0.1, generator=gen)
    return model


def build(family: str, argmax: bool = False) -> ExportWrapper:
    config, options = FAMILIES[family]
    return ExportWrapper(
        perturbed(build_segmentor(str(config), cfg_options=options)), argmax=argmax
    )


def frames(*shapes: tuple[int, int]) -> list[np.ndarray]:
    return [read_frame(str(FRAMES[i]), s) for i, s in enumerate(shapes)]


@pytest.mark.parametrize('family', list(FAMILIES))
def test_family_exports_and_matches(family: str, tmp_path: Path) -> None:
    wrapper = build(family)
    path = str(tmp_path / f'{family}.onnx')
    export_onnx(wrapper, path, TRACED, dynamic=True)
    check_model(path)
    runner = OrtRunner(path, threads=1)
    for parity in check_parity(wrapper, runner, frames(TRACED, ODD)):
        assert parity.ok(atol=1e-4, agreement=0.9999), f'{family} {parity}'


def test_wrapper_is_mmseg_inference() -> None:
    """The wrapper's normalisation + inference is what MMSegmentation's test path computes
    from the same BGR frame (data preprocessor, predict, postprocess)."""
    from mmseg.structures import SegDataSample

    for family in ('hcfcn32', 'ti_joint'):
        wrapper = build(family)
        img = frames(ODD)[0]
        meta = dict(img_shape=ODD, ori_shape=ODD)
        data = dict(inputs=[torch.from_numpy(img[0])], data_samples=[SegDataSample(metainfo=meta)])
        with torch.no_grad():
            sample = wrapper.segmentor.test_step(data)[0]
            logits = wrapper(torch.from_numpy(img))[0]
        torch.testing.assert_close(logits, sample.seg_logits.data, rtol=0, atol=1e-5)


def test_argmax_and_batch(tmp_path: Path) -> None:
    wrapper = build('hcpspnet', argmax=True)
    path = str(tmp_path / 'labels.onnx')
    export_onnx(wrapper, path, TRACED, dynamic=True)
    runner = OrtRunner(path, threads=1)
    batch = np.concatenate(frames(ODD, ODD))
    labels = runner(batch)
    assert labels.shape == (2, *ODD) and labels.dtype == np.int64
    with torch.no_grad():
        expected = wrapper(torch.from_numpy(batch)).numpy()
    assert (labels == expected).mean() >= 0.9999


def test_fp16(tmp_path: Path) -> None:
    """float16 convolutions, float32 islands (soft clustering, DCN sampling): runs, and
    decides almost every pixel as the float32 model does."""
    wrapper = build('hcfcn32')
    path = str(tmp_path / 'fp16.onnx')
    export_onnx(wrapper, path, TRACED, dynamic=True, fp16=True)
    check_model(path)
    model = onnx.shape_inference.infer_shapes(onnx.load(path))
    types = {
        v.name: v.type.tensor_type.elem_type for v in [*model.graph.value_info, *model.graph.input]
    }
    types.update({i.name: i.data_type for i in model.graph.initializer})

    def input_types(op: str) -> set[int]:
        return {types.get(n.input[0]) for n in model.graph.node if n.op_type == op}

    half, single = onnx.TensorProto.FLOAT16, onnx.TensorProto.FLOAT
    assert half in input_types('Conv')
    # the DCN's bilinear gathers (its sampling positions) and the clustering in float32
    assert input_types('GatherElements') == {single} and input_types('Softmax') == {single}
    (parity,) = check_parity(wrapper, OrtRunner(path, threads=1), frames(ODD))
    # logits within float16's rounding (measured: max |diff| 2e-4); an untrained model's top
    # two classes are that close on about 1% of pixels, so agreement is not 0.99 there
    assert parity.ok(atol=0.1, agreement=0.98), parity
    assert parity.max_abs_diff < 2e-3, parity


def test_sliding_window_static(tmp_path: Path) -> None:
    """test_cfg.mode='slide' exports for the traced size (its windows unrolled): two
    64x64 windows over the 64x96 frame, overlapping in 32 columns (averaged there)."""
    wrapper = build('hcfcn32')
    wrapper.segmentor.test_cfg = ConfigDict(mode='slide', crop_size=(64, 64), stride=(32, 32))
    path = str(tmp_path / 'slide.onnx')
    export_onnx(wrapper, path, TRACED)
    (parity,) = check_parity(wrapper, OrtRunner(path, threads=1), frames(TRACED))
    assert parity.ok(), parity


def test_unexportable_op_is_named(tmp_path: Path) -> None:
    """Without the rewrites PSPNet's adaptive pooling cannot export at 64x96 (its stride-8 map
    is 8x12, not divisible into 3x3 bins): the error names the op and the module."""
    wrapper = build('pspnet')
    path = tmp_path / 'psp.onnx'
    with pytest.raises(
        ExportError,
        match=r'decode_head\.psp_modules\.\d\.0 '
        r'\(AdaptiveAvgPool2d\) calls adaptive_avg_pool2d',
    ):
        export_onnx(wrapper, str(path), TRACED, rewrites=[])
    assert not path.exists() and not Path(str(path) + '.part').exists()


def test_bad_arguments(tmp_path: Path) -> None:
    wrapper = build('fcn32')
    path = tmp_path / 'exists.onnx'
    path.write_bytes(b'keep me')
    with pytest.raises(FileExistsError, match='--force'):
        export_onnx(wrapper, str(path), TRACED)
    assert path.read_bytes() == b'keep me'
    with pytest.raises(ValueError, match='opset 13'):
        export_onnx(wrapper, str(tmp_path / 'a.onnx'), TRACED, opset=13)
    wrapper.segmentor.test_cfg = ConfigDict(mode='slide', crop_size=(32, 32), stride=(16, 16))
    with pytest.raises(ValueError, match='slide'):
        export_onnx(wrapper, str(tmp_path / 'b.onnx'), TRACED, dynamic=True)


def test_checkpoint_must_fit(tmp_path: Path) -> None:
    config, options = FAMILIES['fcn32']
    state = build_segmentor(str(config), cfg_options=options).state_dict()
    state.pop('decode_head.conv_seg.bias')
    state['decode_head.extra.weight'] = torch.zeros(1)
    ckpt = tmp_path / 'bad.pth'
    torch.save(dict(state_dict=state), ckpt)
    with pytest.raises(
        ValueError,
        match=r'missing keys: decode_head\.conv_seg\.bias; '
        r'unexpected keys: decode_head\.extra\.weight',
    ):
        build_segmentor(str(config), str(ckpt), cfg_options=options)
    state.pop('decode_head.extra.weight')
    state['decode_head.conv_seg.bias'] = torch.zeros(3)
    torch.save(dict(state_dict=state), ckpt)
    with pytest.raises(ValueError, match='size mismatch for decode_head.conv_seg.bias'):
        build_segmentor(str(config), str(ckpt), cfg_options=options)
