# MAFL matching of ContrastLandmark's own second stage (cl_deit_b_stage2.py):
# the matching protocol of ../matching/sce_mae_deit_b_mafl_matching.py with
# CL's projector, whose descriptors are computed at the 96 x 96 image (the
# cover-and-stride map upsampled, then CL's 1x1 conv and spatial softmax).
#   python tools/test.py configs/baselines/cl_deit_b_mafl_matching.py \
#       work_dirs/cl_deit_b_stage2/best_matching_diff_epoch_N.pth
_base_ = ['../matching/sce_mae_deit_b_mafl_matching.py']

widths = _base_.deit.b  # noqa: F821
model = dict(
    neck=dict(
        _delete_=True,
        type='CLDistiller',
        in_channels=widths.embed_dims,
        out_channels=widths.proj_dims,
        kernel_size=1,
        softmax_mul=7.,
        train_size=24,
        test_size=96,
        frozen=True))
