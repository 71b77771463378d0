"""How semantic are a model's per-pixel features? kNN / linear-probe accuracy, distance ratio.

    python tools/analysis/eval_features.py CONFIG [CHECKPOINT] --data-root DIR
        [--n-train 60] [--n-val 101] [--pixels 100] [--scale 1.0] [--k 10] [--seed 0]
        [--json FILE]

For a ``SemanticFeatureEncoderDecoder`` (configs/semantic_features/) on CamVid (SegNet
layout: images/{split}, labels/{split}, {split}.txt; Unlabelled id 11 ignored). ``--pixels``
labelled pixels are drawn uniformly (seeded) from each of the first ``--n-train`` train and
``--n-val`` val frames, and their d-dimensional features computed at the frame's size (times
``--scale``). Reported:

- kNN: each val pixel takes the majority class of its k nearest train pixels (L2 on the
  features, the metric Eq. 1 trains), pixel accuracy and mean class accuracy;
- linear probe: softmax regression on the standardised train features (L-BFGS), the same
  accuracies on val;
- distance ratio: mean L2 distance between val pixels of the same class over the mean
  between pixels of different classes, pairs taken within each frame (as Eq. 1 samples
  them); lower is more semantic, 1 means the features ignore the classes.

The same numbers for the pixels' RGB values are printed as a floor. Without CHECKPOINT the
model is the seeded initialisation (iteration 0 of training).
"""

from __future__ import annotations

import argparse
import json
import time

import torch

from segplug.evaluation.feature_probes import evaluate, read_split, sample_split


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint', nargs='?')
    parser.add_argument('--data-root', required=True)
    parser.add_argument('--n-train', type=int, default=60)
    parser.add_argument('--n-val', type=int, default=101)
    parser.add_argument('--pixels', type=int, default=100, help='labelled pixels per frame')
    parser.add_argument('--scale', type=float, default=1.0, help='resize frames by this')
    parser.add_argument('--k', type=int, default=10)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--json')
    args = parser.parse_args()
    for name in ('n_train', 'n_val', 'pixels', 'k'):
        if getattr(args, name) < 1:
            raise ValueError(f'--{name.replace("_", "-")} must be >= 1, got {getattr(args, name)}')
    train_files = read_split(args.data_root, 'train', args.n_train)
    val_files = read_split(args.data_root, 'val', args.n_val)
    from mmengine.config import Config
    from mmseg.registry import MODELS
    from mmseg.utils import register_all_modules

    import segplug  # noqa: F401
    from segplug.engine import load_checkpoint

    register_all_modules()
    cfg = Config.fromfile(args.config)
    cfg.model.pop('pretrained', None)
    torch.manual_seed(args.seed)
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.eval()
    if args.checkpoint:
        load_checkpoint(model, args.checkpoint, config=args.config)
    num_classes = model.decode_head.num_classes
    start = time.time()
    g = torch.Generator().manual_seed(args.seed)
    tr = sample_split(model, train_files, args.pixels, args.scale, g)
    va = sample_split(model, val_files, args.pixels, args.scale, g)
    results = {
        'features': evaluate((tr[0], tr[2]), (va[0], va[2]), args.k, num_classes),
        'rgb': evaluate((tr[1], tr[2]), (va[1], va[2]), args.k, num_classes),
    }
    results['setting'] = dict(
        config=args.config,
        checkpoint=args.checkpoint,
        n_train=len(tr[0]),
        n_val=len(va[0]),
        pixels=args.pixels,
        scale=args.scale,
        k=args.k,
        seed=args.seed,
        seconds=round(time.time() - start, 1),
    )
    print(
        f'{len(tr[0])} train / {len(va[0])} val frames x {args.pixels} pixels, '
        f'scale {args.scale}, k = {args.k}, checkpoint {args.checkpoint}'
    )
    print(
        '| features | kNN acc | kNN mAcc | probe acc | probe mAcc | intra | inter | intra/inter |'
    )
    print('|---|---|---|---|---|---|---|---|')
    for name in ('features', 'rgb'):
        r = results[name]
        print(
            f'| {name} | {r["knn_acc"]:.1f} | {r["knn_macc"]:.1f} | {r["probe_acc"]:.1f} | '
            f'{r["probe_macc"]:.1f} | {r["intra"]:.4g} | {r["inter"]:.4g} | '
            f'{r["ratio"]:.3f} |'
        )
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(results, f, indent=1)


if __name__ == '__main__':
    main()
