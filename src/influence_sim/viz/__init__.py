"""Figures of runs, maps and sweeps: ``plot_*(..., ax=None)`` return their Axes.

The only layer that imports matplotlib (with the dashboard). Modules: :mod:`.plotting`
(a run over time), :mod:`.maps` (the region), :mod:`.citizens` (the citizens of each
region, now), :mod:`.sweeps` (a sweep), :mod:`.files` (figures written to image files).
"""

from influence_sim._lazy import exports

__all__ = [
    "alignment_at",
    "animate_map",
    "colour_of",
    "focus_state",
    "map_outlines",
    "mark_events",
    "paired_difference",
    "plot_against",
    "plot_alignment",
    "plot_alignment_grid",
    "plot_citizens",
    "plot_comparison",
    "plot_economy",
    "plot_heatmap",
    "plot_holdout",
    "plot_indices",
    "plot_levels",
    "plot_map",
    "plot_observed",
    "plot_pairs",
    "plot_posterior",
    "plot_regional",
    "plot_tradeoff",
    "plot_unrest",
    "plot_unrest_grid",
    "plot_waves",
    "save_figure",
    "save_standard_plots",
]

_NAMES = {
    "plot_citizens": "citizens",
    "colour_of": "plotting",
    "focus_state": "plotting",
    "mark_events": "plotting",
    "paired_difference": "plotting",
    "plot_alignment": "plotting",
    "plot_alignment_grid": "plotting",
    "plot_comparison": "plotting",
    "plot_economy": "plotting",
    "plot_regional": "plotting",
    "plot_tradeoff": "plotting",
    "plot_unrest": "plotting",
    "plot_unrest_grid": "plotting",
    "alignment_at": "maps",
    "animate_map": "maps",
    "map_outlines": "maps",
    "plot_map": "maps",
    "plot_against": "sweeps",
    "plot_heatmap": "sweeps",
    "plot_observed": "sweeps",
    "plot_indices": "sweeps",
    "plot_levels": "sweeps",
    "plot_waves": "sweeps",
    "plot_holdout": "sweeps",
    "plot_pairs": "sweeps",
    "plot_posterior": "sweeps",
    "save_figure": "files",
    "save_standard_plots": "files",
}
__getattr__, __dir__ = exports(__name__, _NAMES)
