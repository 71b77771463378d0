"""Pure tensor functions (torch only; no registry, no config)."""
from .soft_clustering import (
                              cluster_decode,
                              cluster_labels,
                              cosine_similarity_to_seeds,
                              hard_assign,
                              hierarchical_decode,
                              neighbour_validity,
                              soft_assign,
)

__all__ = ['cluster_decode', 'cluster_labels', 'cosine_similarity_to_seeds', 'hard_assign',
           'hierarchical_decode', 'neighbour_validity', 'soft_assign']
