# The synthetic faces in the real layouts (tools/make_synthetic_faces.py
# --out data/synthetic; docs/datasets.md): each reader's root, without the
# image-size check (the synthetic images are not the real files' sizes).
# A synthetic config points a dataset at them with
#   train_dataloader = dict(dataset=_base_.synthetic.celeba)
synthetic = dict(
    celeba=dict(data_root='data/synthetic/celeba', check_size=False),
    aflw_m=dict(data_root='data/synthetic/aflw-mtfl', check_size=False),
    aflw_r=dict(
        data_root='data/synthetic/aflw/aflw_release-2', check_size=False),
    face300w=dict(data_root='data/synthetic/300w/300w', check_size=False))
