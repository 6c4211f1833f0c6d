"""Deprecated path of :mod:`influence_sim.viz`, kept for one release."""

from influence_sim._lazy import moved

moved(__name__, "influence_sim.viz")
