"""model-index.yml (OpenMMLab's format, read by mim) lists every metafile, and each metafile
entry names a config that exists, in a collection the metafile declares."""

from __future__ import annotations

import yaml

from tests.helpers import REPO


def test_model_index_imports_every_metafile() -> None:
    index = yaml.safe_load((REPO / 'model-index.yml').read_text())
    assert set(index) == {'Import'}
    listed = index['Import']
    found = sorted(str(p.relative_to(REPO)) for p in (REPO / 'configs').rglob('metafile.yaml'))
    assert sorted(listed) == found and len(listed) == len(set(listed))
    names = []
    for path in listed:
        meta = yaml.safe_load((REPO / path).read_text())
        collections = {c['Name'] for c in meta['Collections']}
        for model in meta['Models']:
            assert (REPO / model['Config']).is_file(), f'{path}: {model["Config"]} missing'
            assert model['In Collection'] in collections, f'{path}: {model["Name"]}'
            names.append(model['Name'])
    assert len(names) == len(set(names)) > 0  # mim finds each model by its unique name
