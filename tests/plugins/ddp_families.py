"""Two training steps of each given config under DDP on CPU (gloo), with the config's own
model wrapper (``model_wrapper_cfg``), as ``tools/dist_train.sh`` would; the ranks see
different batches and must end with equal parameters.

    python -m torch.distributed.run --nproc_per_node 2 tests/plugins/ddp_families.py CFG...

Run by tests/engine/test_ddp_families.py. Prints one JSON line on rank 0:
``{"ok": [...], "failed": {config: error}}``; exits 1 when a config failed.
"""

from __future__ import annotations

import datetime
import json
import sys

import torch
import torch.distributed as dist
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import MODEL_WRAPPERS
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample
from mmseg.utils import register_all_modules

import segplug  # noqa: F401

SIZE = 64


def batch(num_classes: int) -> dict:
    samples = []
    for _ in range(2):
        s = SegDataSample(
            metainfo=dict(img_shape=(SIZE, SIZE), ori_shape=(SIZE, SIZE), pad_shape=(SIZE, SIZE))
        )
        s.gt_sem_seg = PixelData(data=torch.randint(0, num_classes, (1, SIZE, SIZE)))
        samples.append(s)
    images = [torch.randint(0, 256, (3, SIZE, SIZE), dtype=torch.uint8) for _ in range(2)]
    return dict(inputs=images, data_samples=samples)


def train_two_steps(path: str, rank: int) -> None:
    cfg = Config.fromfile(path)
    model_cfg = cfg.model
    model_cfg.pop('pretrained', None)
    if 'backbone' in model_cfg:
        model_cfg.backbone.pop('init_cfg', None)
    model_cfg.data_preprocessor.size = (SIZE, SIZE)
    torch.manual_seed(0)  # the same initial weights on both ranks (DDP also broadcasts them)
    model = MODELS.build(model_cfg)
    model.init_weights()
    wrapper = MODEL_WRAPPERS.build(dict(cfg.model_wrapper_cfg, module=model))
    optim = build_optim_wrapper(
        wrapper, dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.01))
    )
    torch.manual_seed(1 + rank)  # different data on each rank
    for _ in range(2):
        wrapper.train_step(batch(wrapper.module.num_classes), optim)
    flat = torch.cat([p.detach().flatten() for p in wrapper.module.parameters()])
    both = [torch.empty_like(flat) for _ in range(2)]
    dist.all_gather(both, flat)
    if not torch.equal(both[0], both[1]):
        raise AssertionError('the ranks hold different parameters after two steps')


def main() -> int:
    dist.init_process_group('gloo', timeout=datetime.timedelta(seconds=120))
    rank = dist.get_rank()
    register_all_modules(init_default_scope=True)
    ok, failed = [], {}
    for path in sys.argv[1:]:
        try:
            train_two_steps(path, rank)
            ok.append(path)
        except Exception as err:  # noqa: BLE001  (reported per config, then stop)
            failed[path] = f'{type(err).__name__}: {err}'[:500]
            break  # a failed collective can leave the ranks out of step
    if rank == 0:
        print(json.dumps(dict(ok=ok, failed=failed)))
    dist.destroy_process_group()
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
