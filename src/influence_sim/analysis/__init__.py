"""Analysis of many runs: sensitivity indices, scenario discovery, paired comparisons."""

from influence_sim._lazy import exports

__all__ = ["Comparison", "Discovery", "analyze", "compare", "discover"]

_NAMES = {
    "analyze": "sensitivity",
    "Discovery": "discovery",
    "discover": "discovery",
    "Comparison": "comparison",
    "compare": "comparison",
}
__getattr__, __dir__ = exports(__name__, _NAMES)
