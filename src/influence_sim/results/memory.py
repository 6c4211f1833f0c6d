"""Limits before work: how much memory a run will take, checked before it starts.

A run keeps its whole trajectory and builds every tidy table in memory, so its size
is known from the scenario, the replications and how often it records. The figures
below are bytes per element, measured on the bundled scenarios (``tests`` check the
estimate against a measured run); they include pandas' and pyarrow's working copies.
The budget is the memory available now (``MemAvailable`` on Linux), or
``INFLUENCE_SIM_MAX_MEMORY`` (such as ``8GiB``) where a scheduler grants less.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING

from influence_sim.errors import InfluenceSimError

if TYPE_CHECKING:
    from influence_sim.engine.compile import Compiled

BUDGET_VARIABLE = "INFLUENCE_SIM_MAX_MEMORY"
"""An environment variable that caps the memory a run may plan to use."""
BUDGET_SHARE = 0.8
"""The share of the available memory a run may plan to use."""

# Bytes per element while the tables are built and written (the long frames, their
# index columns, the meshgrids that make them, and pyarrow's copy when saved).
_ALIGNMENT_ROW = 78
_REGIONAL_ROW = 78
_STATES_ROW = 72
_POWERS_ROW = 124
# Per replication while running: the state and its temporaries, the noise (a key, and a
# step's words and numbers while they are drawn: five 8-byte values per number), and the
# summary metrics.
_NOISE_PER_NUMBER = 40
_STATE_COPIES = 3
# A sweep chunk: its parts' frames and Parquet buffers (measured: about 30 MiB whatever its
# size), and a time series row (eight columns, kept in frames, joined and written: 107 to
# 152 bytes measured).
_CHUNK_FIXED = 32 * 2**20
_SERIES_ROW = 160
_SUMMARY = 800
_SUMMARY_LONG_ROW = 24  # a row of the long summary: value, replication, four codes
_UNITS = {"": 1, "b": 1, "k": 2**10, "kb": 10**3, "kib": 2**10, "m": 2**20, "mb": 10**6}
_UNITS |= {"mib": 2**20, "g": 2**30, "gb": 10**9, "gib": 2**30, "t": 2**40, "tb": 10**12}
_UNITS |= {"tib": 2**40}


def estimate_run_bytes(compiled: Compiled, replications: int, every: int) -> int:
    """The peak memory a run of ``replications`` recorded every ``every`` steps needs, in bytes.

    Counts the trajectory (every recorded array), the tidy tables (``alignment``,
    ``regional``, ``states``, ``powers``, the summary in both forms), and the running
    state of every replication (its arrays, their temporaries, its noise).
    """
    return _recorded_bytes(compiled, replications, every) + _running_bytes(compiled, replications)


def estimate_chunk_bytes(compiled: Compiled, runs: int, every: int | None) -> int:
    """The peak memory one sweep chunk of ``runs`` needs in the process that runs it.

    A chunk keeps no trajectory: the running state of its runs and their summary
    metrics, and their time series when the sweep records them every ``every`` steps
    (``record.timeseries_every``; none when None).
    """
    from influence_sim.engine.trajectory import record_steps

    series = 0
    if every:  # overall alignment per state and option, a row each, kept until written
        rows = len(record_steps(compiled.timeline.n_steps, every))
        series = runs * rows * len(compiled.states) * len(compiled.options) * _SERIES_ROW
    return _CHUNK_FIXED + series + _running_bytes(compiled, runs)


def _recorded_bytes(compiled: Compiled, n: int, every: int) -> int:
    """The trajectory recorded every ``every`` steps and the tidy tables made of it."""
    from influence_sim.engine.trajectory import record_steps, recorded

    rows = len(record_steps(compiled.timeline.n_steps, every))
    s_n, p_n = len(compiled.states), len(compiled.powers)
    k_n = p_n + 1
    per_state = sum(getattr(compiled.initial, name)[0].size for name in recorded(compiled))
    trajectory = 8 * n * rows * per_state
    tables = (
        n
        * rows
        * (
            _ALIGNMENT_ROW * s_n * k_n * 3
            + _REGIONAL_ROW * k_n * 3
            + _STATES_ROW * s_n
            + _POWERS_ROW * p_n * s_n
        )
    )
    return int(trajectory + tables)


def _running_bytes(compiled: Compiled, n: int) -> int:
    """The running state of ``n`` replications, its temporaries, noise and summary."""
    from influence_sim.engine.kernel import noise_width

    s_n, p_n = len(compiled.states), len(compiled.powers)
    k_n = p_n + 1
    state_size = sum(
        value[0].nbytes for value in vars(compiled.initial).values() if hasattr(value, "nbytes")
    )
    pop = compiled.params.pop
    if pop is not None:  # citizens are placed at the first step: count them here
        setup = pop.setup
        n_c, m = setup.citizens, setup.officers
        citizen = 4 + 1 + 2 + 1 + 8 + 8 + p_n * (8 + 8 + 1)  # cell, flags, term, draws, views
        per_region = n_c * citizen + m * 5 + setup.lattice.cells * 60  # and a tick's grids
        state_size += setup.n_regions * per_region
    # Summary columns: per state, alignment (final, peak, return) per option, five ties
    # and two reliances per power, unrest's two; per power two; the region per option.
    columns = s_n * (3 * k_n + 7 * p_n + 2) + 2 * p_n + k_n + s_n * len(compiled.alliances)
    running = n * (
        _STATE_COPIES * state_size
        + 8
        + _NOISE_PER_NUMBER * noise_width(s_n, p_n, pop is not None)
        + _SUMMARY
        + _SUMMARY_LONG_ROW * columns
    )
    return int(running)


def available_bytes() -> int | None:
    """The memory a run may plan to use: the budget variable, or a share of what is free.

    Raises:
        InfluenceSimError: If the budget variable cannot be read.
    """
    text = os.environ.get(BUDGET_VARIABLE, "").strip()
    if text:
        return parse_size(text, BUDGET_VARIABLE)
    free = _mem_available()
    return None if free is None else int(free * BUDGET_SHARE)


def parse_size(text: str, where: str) -> int:
    """``8GiB``, ``500 MB`` or a number of bytes.

    Raises:
        InfluenceSimError: If ``text`` is none of those.
    """
    match = re.fullmatch(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*", text)
    unit = match.group(2).lower() if match else ""
    if not match or unit not in _UNITS:
        raise InfluenceSimError(
            f"{where}: expected a size such as '8GiB', '500MB' or a number of bytes, found '{text}'"
        )
    return int(float(match.group(1)) * _UNITS[unit])


def _mem_available() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def human(size: float) -> str:
    """Bytes as people read them: ``3.2 GiB``."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.1f} {unit}" if unit != "B" else f"{int(size)} B"
        size /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def check_memory(needed: int, replications: int, every: int) -> None:
    """Refuse a run that would not fit, before it starts, saying what to change.

    Raises:
        InfluenceSimError: If ``needed`` is more than :func:`available_bytes`.
    """
    budget = available_bytes()
    if budget is None or needed <= budget:
        return
    source = (
        f"the {BUDGET_VARIABLE} budget"
        if os.environ.get(BUDGET_VARIABLE, "").strip()
        else f"{int(BUDGET_SHARE * 100)}% of the memory available now"
    )
    raise InfluenceSimError(
        f"{replications:,} replications recorded every {every} steps would need about "
        f"{human(needed)} of memory, more than {source} ({human(budget)}); use fewer "
        "replications, record less often (--record-every), or run a sweep, which streams "
        "its results to disk chunk by chunk and keeps only summary metrics"
    )
