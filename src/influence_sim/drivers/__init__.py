"""The two drivers of the kernel: ``run`` and ``InfluenceModel`` (a ``mesa.Model``).

The only layer that imports mesa (and only when the Mesa driver is used).
"""

from influence_sim._lazy import exports

__all__ = [
    "InfluenceModel",
    "PowerAgent",
    "StateAgent",
    "run",
]

_NAMES = {
    "run": "runner",
    "InfluenceModel": "model",
    "StateAgent": "agents",
    "PowerAgent": "agents",
}
__getattr__, __dir__ = exports(__name__, _NAMES)
