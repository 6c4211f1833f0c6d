"""Figures of runs and maps: ``plot_*(..., ax=None)`` return their Axes.

The only layer that imports matplotlib.
"""

from influence_sim._lazy import exports

__all__ = [
    "animate_map",
    "plot_against",
    "plot_alignment",
    "plot_alignment_grid",
    "plot_comparison",
    "plot_heatmap",
    "plot_indices",
    "plot_map",
    "plot_regional",
    "plot_tradeoff",
    "plot_unrest",
    "save_figure",
    "save_standard_plots",
]

_NAMES = {
    "save_figure": "plotting",
    "plot_against": "sweeps",
    "plot_heatmap": "sweeps",
    "plot_indices": "sweeps",
    "plot_alignment": "plotting",
    "plot_tradeoff": "plotting",
    "plot_regional": "plotting",
    "plot_unrest": "plotting",
    "plot_comparison": "plotting",
    "plot_map": "plotting",
    "plot_alignment_grid": "plotting",
    "animate_map": "plotting",
    "save_standard_plots": "plotting",
}
__getattr__, __dir__ = exports(__name__, _NAMES)
