"""Pure tensor functions (torch only; no registry, no config)."""
from .deform_conv import deform_conv2d_sampled
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

__all__ = ['deform_conv2d_sampled', 'cluster_decode', 'cluster_labels',
           'cosine_similarity_to_seeds', 'hard_assign', 'hierarchical_decode',
           'is_seed_size', 'neighbour_validity', 'soft_assign']
