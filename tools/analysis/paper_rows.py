"""Print the paper rows of every ``configs/*/metafile.yaml`` as markdown tables (one per
method), with the train and test commands, for ``docs/reproduce.md``.

    python tools/analysis/paper_rows.py > rows.md
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]


def gpus(name: str) -> int:
    """GPUs a config name was written for (``8xb2`` -> 8)."""
    m = re.search(r'_(\d+)xb\d+', name)
    return int(m.group(1)) if m else 1


def main() -> None:
    for meta in sorted((REPO / 'configs').glob('*/metafile.yaml')):
        data = yaml.safe_load(meta.read_text())
        coll = data['Collections'][0]
        print(f'### {coll["Name"]} ({coll["Paper"]["Title"]})\n')
        folder = Path(data['Models'][0]['Config']).parent
        print(
            f'Train: `bash tools/dist_train.sh {folder}/CONFIG.py GPUS`; evaluate: '
            f'`bash tools/dist_test.sh {folder}/CONFIG.py CKPT GPUS` (one GPU or CPU: '
            '`python tools/train.py` / `tools/test.py`).\n'
        )
        print('| CONFIG | dataset | paper mIoU | GPUS |')
        print('|---|---|---|---|')
        for m in data['Models']:
            results = m.get('Results') or []
            dataset = results[0]['Dataset'] if results else m.get('Metadata', {}).get('Dataset', '')
            # the first result is the row's paper number; a later one on another split
            # (HC's Cityscapes test server) follows, named. SemanticFeatures's later CamVid mIoU is
            # measured here, not the paper's, and has the first result's dataset: left out.
            first = results[0].get('Metrics', {}).get('mIoU') if results else None
            extra = [
                f'{r["Metrics"]["mIoU"]} ({r["Dataset"]})'
                for r in results[1:]
                if 'mIoU' in r.get('Metrics', {}) and r['Dataset'] != dataset
            ]
            miou = '; '.join([str(first if first is not None else '-')] + extra)
            sub = Path(m['Config']).parent.relative_to(folder)
            name = m['Name'] if str(sub) == '.' else f'{sub}/{m["Name"]}'
            print(f'| `{name}` | {dataset} | {miou} | {gpus(m["Name"])} |')
        print()


if __name__ == '__main__':
    main()
