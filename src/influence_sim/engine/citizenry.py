"""The population's set-up and parameters, and the citizens' empty arrays: data, no dynamics.

The state (:mod:`influence_sim.engine.state`) holds these; the citizens' rules that read
them are :mod:`influence_sim.engine.population` and :mod:`influence_sim.engine.civil`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from influence_sim.engine.lattice import Lattice

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class Setup:
    """The population's structure, the same for every replication of a batch."""

    lattice: Lattice
    citizens: int  # per region
    officers: int  # officer places per region (the most any state's police needs)
    ticks: int  # per step (one a day)
    region_state: IntArray  # (G,) the state of each region
    regions: tuple[str, ...]
    k: float
    threshold: float
    max_jail: int  # ticks
    rounding: str
    meetings: int

    @property
    def n_regions(self) -> int:
        """Regions, over all states."""
        return len(self.regions)

    def signature(self) -> tuple[object, ...]:
        """What must agree for two scenarios to share a batch."""
        return (
            self.lattice,
            self.citizens,
            self.officers,
            self.ticks,
            self.region_state.tobytes(),
            self.regions,
            self.k,
            self.threshold,
            self.max_jail,
            self.rounding,
            self.meetings,
        )


@dataclass
class PopParams:
    """The population's parameters with a batch axis ``B`` (1 or the batch's size)."""

    setup: Setup
    legitimacy: Array  # (B, S) its level
    police: Array  # (B, S) officers per cell
    cohesion: Array  # (B, S) elite cohesion
    ties: Array  # (B, S, P) share of citizens with ties to each power
    price_hardship: Array  # (B,)
    distress_hardship: Array
    uprising_hardship: Array
    spread: Array
    backlash: Array
    legitimacy_recovery: Array  # per step
    cohesion_weight: Array
    troop_police: Array
    opinion_spread: Array
    confidence: Array
    convergence: Array
    tie_weight: Array


def empty_citizens(replications: int, n_powers: int) -> dict[str, np.ndarray]:
    """The citizens' arrays of :class:`~influence_sim.engine.state.State` with no region.

    ``(R, G, ...)`` each; ``population.place`` fills them on a run's first day.
    """
    shape = (replications, 0, 0)
    return {
        "cells": np.zeros(shape, dtype=np.int32),
        "duty": np.zeros(shape, dtype=bool),
        "inside": np.zeros(shape, dtype=bool),
        "jail": np.zeros(shape, dtype=np.int16),
        "active": np.zeros(shape, dtype=bool),
        "hardship": np.zeros(shape),
        "risk": np.zeros(shape),
        "views": np.zeros((*shape, n_powers)),
        "views_base": np.zeros((*shape, n_powers)),
        "tied": np.zeros((*shape, n_powers), dtype=bool),
    }
