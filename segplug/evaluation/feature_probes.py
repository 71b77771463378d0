"""How semantic are per-pixel features? kNN / linear-probe accuracy, distance ratio.

For a ``SemanticFeatureEncoderDecoder`` (configs/semantic_features/) on CamVid in the SegNet layout
(images/{split}, labels/{split}, {split}.txt; Unlabelled id 11 ignored); the command line is
``tools/analysis/eval_features.py``.

- kNN: each val pixel takes the majority class of its k nearest train pixels (L2 on the
  features, the metric SSS Eq. 1 trains), pixel accuracy and mean class accuracy;
- linear probe: softmax regression on the standardised train features (L-BFGS);
- distance ratio: mean L2 distance between pixels of the same class over the mean between
  pixels of different classes, pairs taken within each frame (as Eq. 1 samples them).
"""

from __future__ import annotations

import os.path as osp

import cv2
import numpy as np
import torch
from torch import Tensor

from segplug.visualization import semantic_features

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


def knn_predict(
    bank: Tensor, bank_labels: Tensor, query: Tensor, k: int, num_classes: int, chunk: int = 4096
) -> Tensor:
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


def linear_probe(
    train: Tensor,
    train_labels: Tensor,
    test: Tensor,
    num_classes: int,
    weight_decay: float = 1e-4,
    steps: int = 100,
) -> Tensor:
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
    per_class = [
        float((pred[true == c] == c).double().mean())
        for c in range(num_classes)
        if bool((true == c).any())
    ]
    return dict(
        acc=100 * float((pred == true).double().mean()), macc=100 * float(np.mean(per_class))
    )


def read_split(data_root: str, split: str, n: int) -> list[tuple[str, str]]:
    """(image, label) paths of the first ``n`` frames of ``{data_root}/{split}.txt``."""
    path = osp.join(data_root, f'{split}.txt')
    if not osp.isfile(path):
        raise FileNotFoundError(f'split file not found: {path}')
    stems = [s.strip() for s in open(path) if s.strip()][:n]
    return [
        (
            osp.join(data_root, 'images', split, s + '.jpg'),
            osp.join(data_root, 'labels', split, s + '.png'),
        )
        for s in stems
    ]


def sample_split(
    model: torch.nn.Module,
    files: list[tuple[str, str]],
    pixels: int,
    scale: float,
    generator: torch.Generator,
) -> tuple[list[Tensor], list[Tensor], list[Tensor]]:
    """Per frame: features (n, d), RGB (n, 3) and labels (n,) of ``pixels`` labelled pixels."""
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
    out = {
        f'knn_{m}': v
        for m, v in accuracies(knn_predict(tf, tl, vf, k, num_classes), vl, num_classes).items()
    }
    out.update(
        {
            f'probe_{m}': v
            for m, v in accuracies(linear_probe(tf, tl, vf, num_classes), vl, num_classes).items()
        }
    )
    out.update(distance_ratio(*val))
    return out
