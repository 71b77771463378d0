"""How semantic are a model's per-pixel features? kNN / linear-probe accuracy, distance ratio.

    python tools/analysis/eval_features.py CONFIG [CHECKPOINT] --data-root DIR
        [--n-train 60] [--n-val 101] [--pixels 100] [--scale 1.0] [--k 10] [--seed 0]
        [--json FILE]

For a ``FeatureEncoderDecoder`` (configs/sssfeat/) on CamVid (SegNet layout: images/{split},
labels/{split}, {split}.txt; Unlabelled id 11 ignored). ``--pixels`` labelled pixels are drawn
uniformly (seeded) from each of the first ``--n-train`` train and ``--n-val`` val frames, and
their d-dimensional features computed at the frame's size (times ``--scale``). Reported:

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
import os.path as osp
import sys
import time

import cv2
import numpy as np
import torch
from torch import Tensor

sys.path.insert(0, osp.join(osp.dirname(osp.abspath(__file__)), '..'))
CAMVID_UNLABELLED = 11


def distance_ratio(feats: list[Tensor], labels: list[Tensor]) -> dict:
    """Mean intra-class / mean inter-class L2 distance over pairs within each image.

    Args:
        feats: per image (n_i, d) features.
        labels: per image (n_i,) classes.
    Returns:
        dict(intra, inter, ratio); pairs p != q, pooled over images.
    """
    sums = {'intra': 0.0, 'inter': 0.0}
    counts = {'intra': 0, 'inter': 0}
    for f, lab in zip(feats, labels):
        dist = torch.cdist(f.double()[None], f.double()[None])[0]
        same = lab[:, None] == lab[None, :]
        off = ~torch.eye(len(lab), dtype=torch.bool)
        for key, mask in (('intra', same & off), ('inter', ~same)):
            sums[key] += float(dist[mask].sum())
            counts[key] += int(mask.sum())
    if counts['intra'] == 0 or counts['inter'] == 0:
        raise ValueError(f'need same- and different-class pairs, got {counts}')
    intra, inter = sums['intra'] / counts['intra'], sums['inter'] / counts['inter']
    return dict(intra=intra, inter=inter, ratio=intra / inter)


def knn_predict(bank: Tensor, bank_labels: Tensor, query: Tensor, k: int,
                num_classes: int, chunk: int = 4096) -> Tensor:
    """Majority class of the k nearest bank rows (L2); ties go to the class of the nearer
    neighbours (each vote is weighted 1 + 1e-3 (k - rank) / k)."""
    weights = 1.0 + 1e-3 * (k - torch.arange(k, dtype=torch.float64)) / k
    preds = []
    for q in query.split(chunk):
        idx = torch.cdist(q.double(), bank.double()).topk(k, largest=False).indices
        votes = torch.zeros(len(q), num_classes, dtype=torch.float64)
        votes.scatter_add_(1, bank_labels[idx], weights.expand(len(q), k))
        preds.append(votes.argmax(1))
    return torch.cat(preds)


def linear_probe(train: Tensor, train_labels: Tensor, test: Tensor, num_classes: int,
                 weight_decay: float = 1e-4, steps: int = 100) -> Tensor:
    """Softmax regression on standardised features (full-batch L-BFGS); test predictions."""
    mean, std = train.mean(0), train.std(0).clamp_min(1e-6)
    x, xt = (train - mean) / std, (test - mean) / std
    lin = torch.nn.Linear(x.shape[1], num_classes).double()
    torch.nn.init.zeros_(lin.weight)
    torch.nn.init.zeros_(lin.bias)
    opt = torch.optim.LBFGS(lin.parameters(), max_iter=steps, line_search_fn='strong_wolfe')
    x, xt = x.double(), xt.double()

    def closure() -> Tensor:
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(lin(x), train_labels)
        loss = loss + weight_decay * lin.weight.pow(2).sum()
        loss.backward()
        return loss

    opt.step(closure)
    with torch.no_grad():
        return lin(xt).argmax(1)


def accuracies(pred: Tensor, true: Tensor, num_classes: int) -> dict:
    """Pixel accuracy and mean over present classes of per-class accuracy (percent)."""
    per_class = [float((pred[true == c] == c).double().mean()) for c in range(num_classes)
                 if bool((true == c).any())]
    return dict(acc=100 * float((pred == true).double().mean()),
                macc=100 * float(np.mean(per_class)))


def read_split(data_root: str, split: str, n: int) -> list[tuple[str, str]]:
    path = osp.join(data_root, f'{split}.txt')
    if not osp.isfile(path):
        raise FileNotFoundError(f'split file not found: {path}')
    stems = [s.strip() for s in open(path) if s.strip()][:n]
    return [(osp.join(data_root, 'images', split, s + '.jpg'),
             osp.join(data_root, 'labels', split, s + '.png')) for s in stems]


def sample_split(model, files: list[tuple[str, str]], pixels: int, scale: float,
                 generator: torch.Generator) -> tuple[list[Tensor], list[Tensor], list[Tensor]]:
    """Per frame: features (n, d), RGB (n, 3) and labels (n,) of ``pixels`` labelled pixels."""
    from show_features import semantic_features  # tools/: imports mmseg, so only here
    feats, rgbs, labels = [], [], []
    for img_path, lab_path in files:
        img, lab = cv2.imread(img_path), cv2.imread(lab_path, cv2.IMREAD_UNCHANGED)
        if img is None or lab is None:
            raise FileNotFoundError(f'cannot read {img_path if img is None else lab_path}')
        if scale != 1.0:
            size = (round(img.shape[1] * scale), round(img.shape[0] * scale))
            img = cv2.resize(img, size, interpolation=cv2.INTER_LINEAR)
            lab = cv2.resize(lab, size, interpolation=cv2.INTER_NEAREST)
        lab = torch.from_numpy(lab.astype(np.int64)).reshape(-1)
        valid = torch.nonzero(lab != CAMVID_UNLABELLED, as_tuple=True)[0]
        if len(valid) == 0:
            continue
        pick = valid[torch.randint(len(valid), (pixels,), generator=generator)]
        f = semantic_features(model, img)
        feats.append(f.reshape(f.shape[0], -1)[:, pick].t().contiguous())
        rgbs.append(torch.from_numpy(img.reshape(-1, 3)[pick.numpy()].astype(np.float32)))
        labels.append(lab[pick])
    return feats, rgbs, labels


def evaluate(train: tuple, val: tuple, k: int, num_classes: int) -> dict:
    """All numbers for one kind of feature (lists per frame, as ``sample_split`` returns)."""
    tf, tl = torch.cat(train[0]), torch.cat(train[1])
    vf, vl = torch.cat(val[0]), torch.cat(val[1])
    out = {f'knn_{m}': v for m, v in
           accuracies(knn_predict(tf, tl, vf, k, num_classes), vl, num_classes).items()}
    out.update({f'probe_{m}': v for m, v in
                accuracies(linear_probe(tf, tl, vf, num_classes), vl, num_classes).items()})
    out.update(distance_ratio(*val))
    return out


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
            raise ValueError(f'--{name.replace("_", "-")} must be >= 1, '
                             f'got {getattr(args, name)}')
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
    results['setting'] = dict(config=args.config, checkpoint=args.checkpoint,
                              n_train=len(tr[0]), n_val=len(va[0]), pixels=args.pixels,
                              scale=args.scale, k=args.k, seed=args.seed,
                              seconds=round(time.time() - start, 1))
    print(f'{len(tr[0])} train / {len(va[0])} val frames x {args.pixels} pixels, '
          f'scale {args.scale}, k = {args.k}, checkpoint {args.checkpoint}')
    print('| features | kNN acc | kNN mAcc | probe acc | probe mAcc | intra | inter | '
          'intra/inter |')
    print('|---|---|---|---|---|---|---|---|')
    for name in ('features', 'rgb'):
        r = results[name]
        print(f'| {name} | {r["knn_acc"]:.1f} | {r["knn_macc"]:.1f} | {r["probe_acc"]:.1f} | '
              f'{r["probe_macc"]:.1f} | {r["intra"]:.4g} | {r["inter"]:.4g} | '
              f'{r["ratio"]:.3f} |')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(results, f, indent=1)


if __name__ == '__main__':
    main()
