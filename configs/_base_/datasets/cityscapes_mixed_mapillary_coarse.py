# SeeThroughNet's training data (CPP supplement, A.2): Cityscapes fine train + val (40% of
# every batch), Mapillary Vistas v1.2 in Cityscapes train ids (40%) and Cityscapes coarse
# train_extra (20%), classes sampled uniformly in Mapillary and coarse.
# Prepare: MMSegmentation's cityscapes converter for gtFine and gtCoarse, and
#   python tools/dataset_converters/mapillary2cityscapes.py MAPILLARY_ROOT data/mapillary_cityscapes
_base_ = ['./cityscapes.py']
data_root = 'data/cityscapes/'
mapillary_root = 'data/mapillary_cityscapes/'
train_pipeline = {{_base_.train_pipeline}}
fine = dict(
    type='CityscapesDataset',
    data_root=data_root,
    pipeline=train_pipeline,
    data_prefix=dict(img_path='leftImg8bit/train', seg_map_path='gtFine/train'),
)
fine_val = dict(
    type='CityscapesDataset',
    data_root=data_root,
    pipeline=train_pipeline,
    data_prefix=dict(img_path='leftImg8bit/val', seg_map_path='gtFine/val'),
)
mapillary = dict(
    type='CityscapesDataset',
    data_root=mapillary_root,
    pipeline=train_pipeline,
    img_suffix='.jpg',
    seg_map_suffix='.png',
    data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
)
coarse = dict(
    type='CityscapesDataset',
    data_root=data_root,
    pipeline=train_pipeline,
    seg_map_suffix='_gtCoarse_labelTrainIds.png',
    data_prefix=dict(img_path='leftImg8bit/train_extra', seg_map_path='gtCoarse/train_extra'),
)
train_dataloader = dict(
    sampler=dict(
        _delete_=True,
        type='MixedDatasetSampler',
        proportions=[0.4, 0.4, 0.2],
        class_uniform=[False, True, True],
        # reading the 40,000 label maps once takes a while: keep the index
        class_index_file=mapillary_root + 'class_index.json',
    ),
    dataset=dict(
        _delete_=True,
        type='ConcatDataset',
        datasets=[dict(type='ConcatDataset', datasets=[fine, fine_val]), mapillary, coarse],
    ),
)
