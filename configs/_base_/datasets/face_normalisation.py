# The face normalisation (SPEC section 5: CelebA's RGB mean and std, 0-255
# scale), written once, and the data preprocessors that apply it: to single
# images, which load as BGR, and to matching triplets, which
# PackMatchingInputs(to_rgb=True) packs as RGB.
data_mean = [0.5084 * 255, 0.4224 * 255, 0.3769 * 255]
data_std = [0.2599 * 255, 0.2371 * 255, 0.2323 * 255]
image_preprocessor = dict(
    type='PoseDataPreprocessor', mean=data_mean, std=data_std,
    bgr_to_rgb=True)
triplet_preprocessor = dict(
    type='MatchingDataPreprocessor', mean=data_mean, std=data_std,
    bgr_to_rgb=False)
