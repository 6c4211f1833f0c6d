"""The fast path: a step's dense stages as one compiled loop over replications.

With numba installed (``pip install 'influence-sim[fast]'``, and in the ``dev`` extra),
``kernel.step`` hands everything after the requests to :mod:`._fused`, one compiled
loop per step instead of some two hundred numpy operations; the requests, the shocks
and the citizens stay in numpy. The numpy kernel is the reference: the two agree to
rounding (1e-12, with the same events; ``tests/unit/test_fused.py``), not bit for bit,
so one process uses one of them for every run, whichever driver (both drivers stay
bit-identical with each other), and a run's manifest says which (``kernel``).

``INFLUENCE_SIM_KERNEL=numpy`` uses the reference even where numba is installed;
``=numba`` refuses to run without it.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from influence_sim.errors import InfluenceSimError

if TYPE_CHECKING:  # the kernel's types; at run time the kernel imports this module
    from influence_sim.engine.schedule import EconomyShocks
    from influence_sim.engine.state import Params, State

Array = NDArray[np.float64]

log = logging.getLogger(__name__)

ENV = "INFLUENCE_SIM_KERNEL"
"""The environment variable that picks the kernel: ``auto`` (the default), ``numba``, ``numpy``."""


_CHOSEN: tuple[str, str | None] | None = None
"""The kernel this process runs, and the value of ``INFLUENCE_SIM_KERNEL`` it was chosen by."""


def kernel_name() -> str:
    """``numba <version>`` when the fast path runs in this process, else ``numpy``.

    Chosen once, at the first use, from ``INFLUENCE_SIM_KERNEL``: a process runs one
    kernel for every run. Changing the variable afterwards (in a notebook, say) changes
    nothing, and a warning says so.

    Raises:
        InfluenceSimError: ``INFLUENCE_SIM_KERNEL`` is not ``auto``, ``numba`` or
            ``numpy``, or is ``numba`` without numba installed.
    """
    global _CHOSEN
    raw = os.environ.get(ENV)
    if _CHOSEN is None:
        _CHOSEN = (_choose(raw), raw)
    elif raw != _CHOSEN[1]:
        _said_changed(raw, _CHOSEN[0])
    return _CHOSEN[0]


def forget() -> None:
    """Choose the kernel again at the next use (tests, and workers that run many kernels)."""
    global _CHOSEN
    _CHOSEN = None
    _said_changed.cache_clear()


@cache
def _said_changed(raw: str | None, kernel: str) -> None:
    """Warn, once per value, that the variable changed after the kernel was chosen."""
    log.warning(
        "%s is now %r, but this process already runs the %s kernel and keeps it (one "
        "kernel per process: runs on the two agree to 1e-12, not bit for bit); set it "
        "before the first run, or in a new process",
        ENV,
        raw,
        kernel,
    )


def _choose(raw: str | None) -> str:
    """The kernel ``INFLUENCE_SIM_KERNEL=raw`` picks (None: unset)."""
    wanted = (raw or "auto").strip().lower() or "auto"
    if wanted not in ("auto", "numba", "numpy"):
        raise InfluenceSimError(
            f"{ENV}={wanted!r}: expected 'auto' (numba when installed), 'numba' or 'numpy'"
        )
    if wanted == "numpy":
        return "numpy"
    if importlib.util.find_spec("numba") is None:
        if wanted == "numba":
            raise InfluenceSimError(
                f"{ENV}=numba but numba is not installed: pip install 'influence-sim[fast]'"
            )
        return "numpy"
    from importlib.metadata import version

    return f"numba {version('numba')}"


def enabled() -> bool:
    """Whether ``kernel.step`` takes the fast path in this process.

    Read several times a step, so it reads the choice without looking at the
    environment again; ``kernel_name`` (once a run, for its manifest) says if it changed.
    """
    chosen = _CHOSEN[0] if _CHOSEN is not None else kernel_name()
    return chosen != "numpy"


_STATE = (
    "memory",
    "credibility",
    "capacity",
    "econ",
    "posture",
    "investment",
    "trade",
    "trade_volume",
    "remittances",
    "migrants",
    "host",
    "debt",
    "diversion",
    "resentment",
    "distress",
    "reliance",
    "salience",
    "unrest",
    "threat",
    "opinion",
    "opinion_base",
    "deployed",
    "alarmed",
)
_PARAMS = (
    "credibility0",
    "econ_ref",
    "trade_base",
    "remittance_base",
    "routes",
    "gdp",
    "opinion_ref",
    "host_trend",
    "reach",
    "elite",
    "domestic_capacity",
    "salience0",
    "propensity",
    "tools",
)
_SHOCKS = ("route_cut", "trade_cut", "coercion", "access", "finance_cut", "credit")
"""What the compiled loop reads, by the names of its arguments (passed by keyword, so a
name that is not an argument, or an argument left out, is an error, not a shifted read)."""


@cache
def _compiled() -> Any:
    from influence_sim.engine import _fused

    return _fused


def after_requests(
    state: State,
    params: Params,
    shocks: EconomyShocks,
    commit: Array,
    host_noise: Array,
    opinion_noise: Array | None,
) -> None:
    """Everything ``kernel.step`` does after the requests, in place, in one compiled loop.

    Args:
        state: Changed in place.
        params: Read only.
        shocks: The economic shocks in force.
        commit: ``requests.alliance_commitment_to`` of the state's memberships.
        host_noise: The host economies' standard normals, ``(R, P)``.
        opinion_noise: Opinion's, ``(R, S, P)``; None with citizens (their opinion is
            theirs, moved after this).
    """
    d = params.dyn
    names = _compiled().DYN
    dyn = np.stack([np.asarray(getattr(d, name), dtype=np.float64) for name in names], axis=1)
    arrays = {name: getattr(state, name) for name in _STATE}
    arrays |= {name: getattr(params, name) for name in _PARAMS}
    arrays |= {name: getattr(shocks, name) for name in _SHOCKS}
    _compiled().after_requests(
        **arrays,
        commit=commit,
        dyn=dyn,
        host_noise=np.ascontiguousarray(host_noise),
        opinion_noise=np.ascontiguousarray(
            np.zeros((1, 1, 1)) if opinion_noise is None else opinion_noise
        ),
        scripted_opinion=opinion_noise is not None,
    )


def normals(keys: NDArray[np.uint64], first: int, n: int) -> Array:
    """``engine.draws.normals``, compiled: the same numbers to rounding."""
    return _compiled().normals(np.ascontiguousarray(keys, dtype=np.uint64), first, n)


def summary_update(step: int, state: State, summary: Any, tolerance: float) -> None:
    """``results.metrics.Summary.update``, compiled: its running arrays moved in place.

    ``summary`` is the ``Summary`` (its ``threshold``, ``start``, ``peak_alignment``,
    ``final``, and the ``unrest`` and ``departure`` trackers' ``peak``, ``peak_step`` and
    ``found``).
    """
    unrest, departure = summary.unrest, summary.departure
    _compiled().summary_update(
        step,
        state.reliance,
        state.salience,
        state.unrest,
        summary.threshold,
        tolerance,
        summary.start,
        summary.peak_alignment,
        summary.final,
        unrest.peak,
        unrest.peak_step,
        unrest.found,
        departure.peak,
        departure.peak_step,
        departure.found,
    )
