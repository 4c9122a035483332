# The face cache of CelebA's training partition (docs/datasets.md, "The
# face cache"): the deterministic pipeline head (decode, DVE crop
# 136 -> 96) run once by tools/build_face_cache.py and stored as one uint8
# array; the dataset reads its crops and runs the rest of the pipeline.
# One cache serves stage 1 and stage 2 (same reader, same head). A cached
# config replaces its training set with
#   dataset=dict(_base_.celeba_cache, _delete_=True, pipeline=[...])
celeba_cache = dict(
    type='CachedFaceDataset',
    cache='data/face_cache/celeba_train_dve96.npy',
    dataset=dict(type='CelebADataset', data_root='data/celeba', split='train'),
    head=[
        dict(type='LoadImage'),
        dict(type='DVEFaceCrop', resize=136, crop=96),
    ])
# the same for the synthetic CelebA set (a new set makes it stale: the
# dataset refuses it, saying what changed)
synthetic_celeba_cache = dict(
    celeba_cache,
    cache='data/face_cache/synthetic_celeba_train_dve96.npy',
    dataset=dict(
        celeba_cache['dataset'],
        data_root='data/synthetic/celeba',
        check_size=False))
