"""Mapillary Vistas v1.2 labels in Cityscapes train ids (SeeThroughNet supplement, Table 4).

The supplement trains on Mapillary "converted to the Cityscapes labeling rule" and lists the
rule by class names (Table 4). The rule is kept here by those names and resolved against
MMSegmentation's own list of the 66 v1.2 classes (``MapillaryDataset_v1.METAINFO``), so a
misspelt name fails loudly instead of silently mapping a class to ignore.
"""

from __future__ import annotations

import numpy as np
from mmseg.datasets import CityscapesDataset, MapillaryDataset_v1

IGNORE = 255
CITYSCAPES_CLASSES: tuple[str, ...] = tuple(CityscapesDataset.METAINFO['classes'])
MAPILLARY_V12_CLASSES: tuple[str, ...] = tuple(MapillaryDataset_v1.METAINFO['classes'])

# Table 4, Cityscapes train id -> Mapillary v1.2 class names (MMSegmentation's spelling).
# Table 4 prints row 13 as "Car Other Vehicle": read as the two classes Car and Other
# Vehicle, since v1.2 has no class of that name. Row 16 (train) is "N/A": Mapillary's
# "On Rails" is not mapped by the paper and stays ignored here too. Every Mapillary class
# not listed (Street Light, Traffic Sign (Back), Bird, Parking, Bridge, ...) becomes 255.
TABLE4: dict[int, tuple[str, ...]] = {
    0: (
        'Road',
        'Bike Lane',
        'Crosswalk - Plain',
        'Rail Track',
        'Service Lane',
        'Lane Marking - Crosswalk',
        'Lane Marking - General',
    ),
    1: ('Sidewalk', 'Curb', 'Curb Cut'),
    2: ('Building',),
    3: ('Wall',),
    4: ('Fence', 'Guard Rail', 'Barrier'),
    5: ('Pole', 'Utility Pole', 'Traffic Sign Frame'),
    6: ('Traffic Light',),
    7: ('Traffic Sign (Front)',),
    8: ('Vegetation',),
    9: ('Terrain',),
    10: ('Sky',),
    11: ('Person',),
    12: ('Bicyclist', 'Motorcyclist', 'Other Rider'),
    13: ('Car', 'Other Vehicle'),
    14: ('Truck',),
    15: ('Bus',),
    16: (),
    17: ('Motorcycle',),
    18: ('Bicycle',),
}


def mapillary_to_cityscapes_lut() -> np.ndarray:
    """(256,) uint8 look-up table: Mapillary v1.2 id -> Cityscapes train id or 255."""
    lut = np.full(256, IGNORE, dtype=np.uint8)
    index = {name: i for i, name in enumerate(MAPILLARY_V12_CLASSES)}
    for train_id, names in TABLE4.items():
        for name in names:
            if name not in index:
                raise ValueError(
                    f'Table 4 names Mapillary class {name!r}, which is not a '
                    f'v1.2 class ({len(index)} classes known)'
                )
            if lut[index[name]] != IGNORE:
                raise ValueError(f'Mapillary class {name!r} is mapped twice in Table 4')
            lut[index[name]] = train_id
    return lut
