"""Pure functions, no registry and no config: tensor ops in torch, and the array-level
scores (``boundaries``: numpy, SciPy and OpenCV; ``superpixel_scores``: numpy; ``metric_learning``'s
``connected_instances``: SciPy's labelling on CPU)."""

from .boundaries import (
    BoundaryCounts,
    boundary_counts,
    boundary_errors,
    boundary_scores,
    label_edges,
)
from .cpp_pooling import (
    CPPPooled,
    cpp_output_size,
    cpp_pool,
    infer_cpp_scale,
    nearest_downsample,
    soft_kl_divergence,
)
from .deform_conv import deform_conv2d_sampled
from .differentiable_slic import (
    cell_means,
    compactness_loss,
    differentiable_slic,
    slic_association,
    slic_cell_size,
    xylab_features,
)
from .guided_filter import box_mean, guided_filter
from .logit_consistency import logit_consistency, logit_consistency_sparse
from .metric_learning import (
    connected_instances,
    metric_learning_loss,
    pairwise_distances,
    sample_instance_pixels,
    sampled_metric_loss,
)
from .soft_clustering import (
    cluster_decode,
    cluster_labels,
    cosine_similarity_to_seeds,
    hard_assign,
    hierarchical_decode,
    is_seed_size,
    neighbour_validity,
    soft_assign,
)
from .soft_iou import ExpectedIU, expected_intersection_union, iou_from_iu, uoi_from_iu
from .superpixel_connectivity import enforce_connectivity
from .superpixel_fcn import (
    association,
    hard_superpixels,
    pool_to_superpixels,
    superpixel_loss,
    unpool_from_superpixels,
)
from .superpixel_scores import leakage_map, superpixel_scores, superpixel_scores_multi
from .transparent_init import check_widths, transparent_affine, transparent_weights

__all__ = [
    'deform_conv2d_sampled',
    'cluster_decode',
    'cluster_labels',
    'cosine_similarity_to_seeds',
    'hard_assign',
    'hierarchical_decode',
    'is_seed_size',
    'neighbour_validity',
    'soft_assign',
    'CPPPooled',
    'cpp_output_size',
    'cpp_pool',
    'infer_cpp_scale',
    'nearest_downsample',
    'ExpectedIU',
    'expected_intersection_union',
    'iou_from_iu',
    'soft_kl_divergence',
    'uoi_from_iu',
    'box_mean',
    'guided_filter',
    'connected_instances',
    'metric_learning_loss',
    'pairwise_distances',
    'sample_instance_pixels',
    'sampled_metric_loss',
    'BoundaryCounts',
    'boundary_counts',
    'boundary_errors',
    'boundary_scores',
    'label_edges',
    'leakage_map',
    'superpixel_scores',
    'superpixel_scores_multi',
    'logit_consistency',
    'logit_consistency_sparse',
    'association',
    'hard_superpixels',
    'pool_to_superpixels',
    'superpixel_loss',
    'unpool_from_superpixels',
    'cell_means',
    'compactness_loss',
    'differentiable_slic',
    'slic_association',
    'slic_cell_size',
    'xylab_features',
    'enforce_connectivity',
    'check_widths',
    'transparent_affine',
    'transparent_weights',
]
