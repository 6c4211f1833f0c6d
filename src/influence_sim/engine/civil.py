"""Epstein's civil violence over a batch of lattices: citizens and police as arrays.

The population layer's machinery, independent of any scenario: ``B`` lattices (rows) at
once, each a ``side x side`` torus (:mod:`influence_sim.engine.lattice`) holding at most
one free agent per cell. Agents are arrays, not objects: a citizen ``i`` of row ``b`` has
a cell ``pos[b, i]`` and attributes in rows of the same shape; the occupancy grid holds
the index of the agent in each cell (citizens ``0..N-1``, police ``N..N+M-1``) or -1.

One tick follows Epstein (2002), "Modeling civil violence", PNAS 99 (suppl. 3), and the
NetLogo Rebellion model's order: agents **move**, citizens **decide** (active when
grievance minus risk aversion times the estimated arrest probability passes a
threshold; the probability is ``1 - exp(-k * round(C / (A + 1)))`` with ``C`` police and
``A`` other active citizens within vision), police **arrest** one active citizen within
vision each, and jail terms count down. Departures from the NetLogo model, chosen so that
every phase is a handful of whole-array operations (``docs/ODD.md``, "Population"):

- Updates are synchronous within a phase: every citizen decides on the actives of the
  tick before, every officer arrests on the decisions just made.
- Moving: each tick the lattice is cut into pairs of cells (a random shift of the
  torus, then ``x XOR mx``, ``y XOR my`` inside blocks of 8 cells, with
  ``mx**2 + my**2 <= vision**2``), and a free agent whose partner cell is empty moves
  there. Pairs never overlap, so two agents never claim one cell; about the share of
  empty cells moves each tick (NetLogo moves nearly everyone). The side must be a
  multiple of 8.
- Arrests: an officer takes the active citizen of highest random priority within
  vision, which is a uniform choice for each officer; two officers who pick the same
  citizen arrest one (the lower-numbered officer moves to the citizen's cell).
- A citizen released from jail goes back to the cell it was taken from when that cell
  is empty (the lower-numbered of two taken from one cell first), and waits in jail a
  tick longer when it is not.


Random numbers are counter-based (:mod:`influence_sim.engine.draws`), keyed per row.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from influence_sim.engine.draws import GOLDEN, Float, UInt, below, bits, mix, uniform
from influence_sim.engine.lattice import Bool, Grid, Int, Lattice, scratch, where2, workspace

# Streams: each tick's draws for one purpose use counters ``(stream << 40) + index``.
MOVE, ARREST, OPINION_NOISE, OPINION_PAIR, STAFF, SETUP = range(6)
STREAMS = 8


@dataclass
class Crowd:
    """Agents of ``B`` lattices: ``N`` citizens and ``M`` police officers per lattice.

    Cells are numbered across the whole batch, batch last: row ``b``'s cell ``c`` is
    ``c * B + b``, the layout of the grids (:meth:`Lattice.pad`), so that every lookup is
    one gather; :meth:`local` gives the cells of each row.
    """

    pos: NDArray[np.int64]  # (B, N + M) cell of each agent (citizens first), batch-wide
    occ: Grid  # (cells, B) agent in each cell, -1 when empty (int16 when agents fit)
    duty: Bool  # (B, M) officers on duty (the others are off the lattice)
    inside: Bool  # (B, N) in jail, or released and waiting for a cell
    jail: NDArray[np.int16]  # (B, N) ticks of jail left
    active: Bool  # (B, N)
    hardship: Float  # (B, N) the citizen's own hardship, U(0, 1)
    risk: Float  # (B, N) risk aversion, U(0, 1)
    arrests: NDArray[np.int64]  # (B,) arrests in the last tick

    @property
    def citizens(self) -> int:
        """Citizens per lattice."""
        return int(self.hardship.shape[1])

    @property
    def rows(self) -> int:
        """Lattices in the batch."""
        return int(self.hardship.shape[0])

    def local(self) -> Int:
        """Each agent's cell within its own lattice, ``(B, N + M)``."""
        return (self.pos // self.rows).astype(np.int32)

    @classmethod
    def of(cls, local: Int, cells: int, **rest: Grid) -> Crowd:
        """A crowd from cells within each lattice (``local``); ``rest`` without ``occ``."""
        b, agents = local.shape
        pos = local.astype(np.int64) * b + np.arange(b, dtype=np.int64)[:, None]
        # Two bytes a cell when agents fit: the moves' lookups read half as much.
        kind = np.int16 if agents < np.iinfo(np.int16).max else np.int32
        occ = np.full(cells * b, -1, dtype=kind)
        n = rest["hardship"].shape[1]
        placed = np.ones((b, agents), dtype=bool)
        placed[:, :n] = ~rest["inside"]
        placed[:, n:] = rest["duty"]
        occ[pos[placed]] = np.broadcast_to(np.arange(agents, dtype=kind), (b, agents))[placed]
        return cls(pos=pos, occ=occ.reshape(cells, b), **rest)


def populate(lattice: Lattice, keys: UInt, citizens: int, police: int) -> Crowd:
    """Scatter ``citizens`` and ``police`` at random over one lattice per key (no two in a cell).

    Hardship and risk aversion are drawn from U(0, 1), as in Epstein (2002).
    """
    b, cells = len(keys), lattice.cells
    agents = citizens + police
    if agents > cells:
        raise ValueError(f"{agents} agents do not fit in {cells} cells")
    order = np.argsort(uniform(keys, SETUP, cells), axis=1, kind="stable")
    draws = uniform(keys, SETUP + 1, 2 * citizens)
    return Crowd.of(
        order[:, :agents].astype(np.int32),
        cells=cells,
        duty=np.ones((b, police), dtype=bool),
        inside=np.zeros((b, citizens), dtype=bool),
        jail=np.zeros((b, citizens), dtype=np.int16),
        active=np.zeros((b, citizens), dtype=bool),
        hardship=np.ascontiguousarray(draws[:, :citizens]),
        risk=np.ascontiguousarray(draws[:, citizens:]),
        arrests=np.zeros(b, dtype=np.int64),
    )


def staff(crowd: Crowd, wanted: NDArray[np.int64], keys: UInt, stream: int) -> None:
    """Put the first ``wanted[b]`` officers of each row on duty, the rest off (in place).

    An officer going off duty leaves the lattice; one coming on duty takes the cell it
    last held if that is empty, else the first empty one of eight cells drawn at random,
    else waits off duty for the next call.
    """
    b, m = crowd.duty.shape
    n, cells = crowd.citizens, crowd.occ.shape[0]
    want = np.arange(m)[None, :] < wanted[:, None]
    flat = crowd.occ.reshape(-1)
    rows, who = where2(crowd.duty & ~want)
    flat[crowd.pos[rows, n + who]] = -1
    crowd.duty &= want
    rows, who = where2(want & ~crowd.duty)
    if len(rows) == 0:
        return
    tries = below(bits(keys, stream, 8 * m).reshape(b, m, 8)[rows, who], cells, 0)
    candidates = np.concatenate([crowd.pos[rows, n + who][:, None], tries * b + rows[:, None]], 1)
    for k in range(candidates.shape[1]):
        where = candidates[:, k]
        empty = flat[where] < 0
        # Two officers drawing one cell: the first in order takes it.
        where, first = np.unique(where[empty], return_index=True)
        r_k, w_k = rows[empty][first], who[empty][first]
        flat[where] = n + w_k
        crowd.pos[r_k, n + w_k] = where
        crowd.duty[r_k, w_k] = True
        left = ~crowd.duty[rows, who]
        rows, who, candidates = rows[left], who[left], candidates[left]
        if len(rows) == 0:
            return


def partners(lattice: Lattice, words: UInt) -> NDArray[np.int64]:
    """Each cell's partner in this tick's pairing of its row, batch-wide, ``(cells * B,)``.

    ``words`` holds two random words per row, ``(B, 2)``: the shift of the torus, the masks.
    """
    n = lattice.side
    b = len(words)
    masks = lattice.pairings[below(words[:, 1], len(lattice.pairings), 32)]
    line = np.arange(n, dtype=np.int64)[:, None]
    axes = []
    for shift, mask in (
        (below(words[:, 0], n, 0), masks[:, 0]),
        (below(words[:, 0], n, 32), masks[:, 1]),
    ):
        axes.append((((line - shift) % n ^ mask) + shift) % n)  # (n, B)
    x, y = axes
    x *= b
    x += np.arange(b, dtype=np.int64)  # column x of row b, batch-wide
    y *= n * b
    cells = scratch("pairs", (n, n, b), np.int64)  # (n, n, B): row y, column x
    np.add(y[:, None, :], x[None, :, :], out=cells)
    return cells.reshape(-1)


def move(lattice: Lattice, crowd: Crowd, words: UInt) -> None:
    """Free agents whose partner cell is empty move there (in place).

    Cell by cell: a pair swaps when exactly one of its cells holds an agent (agents in
    jail and officers off duty are not on the lattice), which is the same as moving each
    agent whose partner cell is empty, in whole-lattice operations.
    """
    pair = partners(lattice, words)
    flat = crowd.occ.reshape(-1)
    theirs = np.take(flat, pair, out=scratch("theirs", flat.shape, flat.dtype))
    swap = np.less(flat, 0, out=scratch("swap", flat.shape, np.bool_))
    swap ^= np.less(theirs, 0, out=scratch("empty", flat.shape, np.bool_))
    theirs -= flat
    theirs *= swap
    flat += theirs  # the pair's contents, exchanged where exactly one holds an agent
    swap &= np.greater_equal(flat, 0, out=scratch("empty", flat.shape, np.bool_))
    cells = np.flatnonzero(swap)
    if len(cells) == 0:
        return
    agents = cells % crowd.rows
    agents *= crowd.pos.shape[1]
    agents += flat[cells]
    crowd.pos.reshape(-1)[agents] = cells


def sightings(lattice: Lattice, crowd: Crowd) -> NDArray[np.uint16]:
    """What each citizen sees, ``(B, N)``: 256 x officers + other protesters within vision.

    A scratch buffer, valid until the next call.
    """
    b, n, side = crowd.rows, crowd.citizens, lattice.side
    grid = scratch("counts", (lattice.cells * b,), np.uint16)
    grid.fill(0)
    grid[crowd.pos[:, n:][crowd.duty]] = 256
    grid[crowd.pos[:, :n][crowd.active]] = 1
    seen = lattice.disk_sum(grid.reshape(side, side, b)).reshape(-1)
    here = np.take(seen, crowd.pos[:, :n], out=scratch("here", (b, n), np.uint16))
    here -= crowd.active  # not oneself
    return here


@dataclass
class Law:
    """What a tick's decisions read, one value per lattice row (shapes ``(B,)``) or scalars."""

    legitimacy: Float | float
    k: float = 2.3
    threshold: float = 0.1
    max_jail: int = 30
    hardship_shift: Float | float = 0.0  # added to every citizen's hardship (capped at 1)
    grievance_shift: Float | float = 0.0  # added to every citizen's grievance (news of unrest)
    rounding: str = "round"  # "round" C / (A + 1) (Epstein's text, Mesa) or "floor" (NetLogo)


def _column(value: Float | float) -> Float | float:
    return value[:, None] if isinstance(value, np.ndarray) else value


@functools.lru_cache(maxsize=16)
def deterrence(k: float, rounding: str) -> Float:
    """``exp(-k round(C / (A + 1)))`` for every sighting ``256 C + A`` (:func:`sightings`)."""
    police, actives = np.divmod(np.arange(1 << 16, dtype=np.float64), 256.0)
    actives += 1.0
    police /= actives
    (np.floor if rounding == "floor" else np.rint)(police, out=police)
    police *= -k
    return np.exp(police)


def decide(lattice: Lattice, crowd: Crowd, law: Law) -> None:
    """Free citizens choose: active when grievance - risk * P(arrest) > threshold (in place)."""
    # exp(-k round(C / (A + 1))), looked up by what each citizen sees.
    police = np.take(
        deterrence(law.k, law.rounding),
        sightings(lattice, crowd),
        out=scratch("police", crowd.hardship.shape, np.float64),
    )
    grievance = crowd.hardship + _column(law.hardship_shift)
    np.minimum(grievance, 1.0, out=grievance)
    grievance *= 1.0 - _column(law.legitimacy)
    grievance += _column(law.grievance_shift)
    police -= 1.0
    police *= crowd.risk  # -risk * P(arrest)
    police += grievance
    crowd.active = (police > law.threshold) & ~crowd.inside


def arrest(lattice: Lattice, crowd: Crowd, law: Law, keys: UInt, tick: int) -> None:
    """Each officer jails one active citizen in vision, chosen at random (in place).

    An active citizen's word of the tick gives its priority (high bits) and, if arrested,
    its jail term (low 32 bits), uniform in ``0..max_jail - 1`` as NetLogo's ``random``.
    """
    crowd.arrests[:] = 0
    rows, who = where2(crowd.active)
    if len(rows) == 0:
        return
    b, n, side, cells = crowd.rows, crowd.citizens, lattice.side, lattice.cells
    cell_bits = max(1, (cells - 1).bit_length())
    words = who.astype(np.uint64)
    words += np.uint64((tick * STREAMS + ARREST) % (1 << 23)) << np.uint64(40)
    words *= GOLDEN
    words += keys[rows]
    mix(words)
    priority = words >> np.uint64(32 + cell_bits)
    priority |= np.uint64(1)  # never zero: zero is "no one active here"
    # Only the lattices with a protester: in quiet times most have none.
    busy = np.flatnonzero(crowd.active.any(axis=1))
    k = len(busy)
    slot = np.zeros(b, dtype=np.int64)
    slot[busy] = np.arange(k)
    where = crowd.pos[rows, who] // b  # cells within each lattice
    grid = scratch("arrest", (cells * k,), np.uint32)
    grid.fill(0)
    grid[where * k + slot[rows]] = (priority << np.uint64(cell_bits)) | where.astype(np.uint64)
    seen = lattice.disk_max(grid.reshape(side, side, k)).reshape(-1)
    cops = crowd.pos[busy, n:] // b  # (K, M) cells within each lattice
    cops *= k
    cops += np.arange(k)[:, None]
    best = seen[cops]
    best[~crowd.duty[busy]] = 0
    crow, officer = where2(best > 0)
    if len(crow) == 0:
        return
    target = (best[crow, officer] & np.uint32((1 << cell_bits) - 1)).astype(np.int64)
    crow = busy[crow]
    target *= b
    target += crow
    # Officers who chose the same citizen: the lowest-numbered one makes the arrest.
    order = np.lexsort((officer, target))
    first = np.ones(len(order), dtype=bool)
    first[1:] = target[order][1:] != target[order][:-1]
    keep = order[first]
    crow, officer, target = crow[keep], officer[keep], target[keep]
    flat = crowd.occ.reshape(-1)
    citizen = flat[target]
    crowd.active[crow, citizen] = False
    crowd.inside[crow, citizen] = True
    # The arrested citizen's word (actives are in row-major order: a sorted lookup).
    word = words[np.searchsorted(rows * n + who, crow * n + citizen)]
    crowd.jail[crow, citizen] = below(word, max(law.max_jail, 1), 0)
    flat[crowd.pos[crow, n + officer]] = -1
    flat[target] = n + officer
    crowd.pos[crow, n + officer] = target
    crowd.arrests[:] = np.bincount(crow, minlength=b)


def release(crowd: Crowd) -> None:
    """Jail terms count down; a citizen whose term is over goes back to its cell if empty."""
    crowd.jail -= 1
    np.maximum(crowd.jail, 0, out=crowd.jail)
    due = crowd.inside & (crowd.jail == 0)
    if not due.any():
        return
    rows, who = where2(due)
    flat = crowd.occ.reshape(-1)
    where = crowd.pos[rows, who]
    empty = flat[where] < 0
    rows, who, where = rows[empty], who[empty], where[empty]
    # Two citizens taken from one cell: the lower-numbered goes back first (nonzero's order).
    where, first = np.unique(where, return_index=True)
    rows, who = rows[first], who[first]
    flat[where] = who
    crowd.inside[rows, who] = False


def tick(lattice: Lattice, crowd: Crowd, law: Law, keys: UInt, t: int) -> None:
    """One tick of every lattice: move, decide, arrest, count down (in place).

    ``keys`` are the rows' keys, ``t`` the tick's number within them (streams differ
    by tick, so one key may serve many ticks).
    """
    move(lattice, crowd, bits(keys, (t * STREAMS + MOVE) % (1 << 23), 2))
    decide(lattice, crowd, law)
    arrest(lattice, crowd, law, keys, t)
    release(crowd)


@dataclass(frozen=True)
class Rebellion:
    """Epstein's civil violence on one lattice, on the NetLogo Rebellion model's settings."""

    side: int = 40
    density: float = 0.7
    police: float = 0.04
    vision: int = 7
    legitimacy: float = 0.82
    max_jail: int = 30
    k: float = 2.3
    threshold: float = 0.1
    rounding: str = "round"

    @property
    def lattice(self) -> Lattice:
        """The lattice."""
        return Lattice(self.side, self.vision)

    @property
    def citizens(self) -> int:
        """Citizens per lattice (NetLogo rounds the density's count down)."""
        return int(self.density * self.side * self.side)

    @property
    def officers(self) -> int:
        """Police officers per lattice."""
        return int(self.police * self.side * self.side)


def rebellion_keys(seed: int, replications: int, first: int = 0) -> UInt:
    """The key of each replication of a rebellion run: ``SeedSequence(seed, spawn_key=(r,))``."""
    return np.array(
        [
            np.random.SeedSequence(seed, spawn_key=(r,)).generate_state(1, np.uint64)[0]
            for r in range(first, first + replications)
        ],
        dtype=np.uint64,
    )


def rebel(
    settings: Rebellion,
    ticks: int,
    keys: UInt,
    legitimacy: Float | None = None,
) -> dict[str, NDArray[np.int64]]:
    """Run ``len(keys)`` replications of the rebellion for ``ticks`` ticks.

    Args:
        settings: The model's settings.
        ticks: How many ticks.
        keys: One key per replication (:func:`rebellion_keys`).
        legitimacy: The legitimacy at each tick, ``(ticks,)``; the settings' throughout if
            not given.

    Returns:
        ``active``, ``jailed`` and ``quiet`` citizens and ``arrests``, ``(R, ticks + 1)``
        (column 0 is the start).
    """
    lattice = settings.lattice
    crowd = populate(lattice, keys, settings.citizens, settings.officers)
    path = np.full(ticks, settings.legitimacy) if legitimacy is None else legitimacy
    law = Law(
        settings.legitimacy,
        settings.k,
        settings.threshold,
        settings.max_jail,
        rounding=settings.rounding,
    )
    out = {name: np.zeros((len(keys), ticks + 1), dtype=np.int64) for name in ("active", "jailed")}
    out["arrests"] = np.zeros((len(keys), ticks + 1), dtype=np.int64)
    with workspace():
        for t in range(ticks):
            law.legitimacy = float(path[t])
            tick(lattice, crowd, law, keys, t)
            out["active"][:, t + 1] = crowd.active.sum(axis=1)
            out["jailed"][:, t + 1] = crowd.inside.sum(axis=1)
            out["arrests"][:, t + 1] = crowd.arrests
    out["quiet"] = settings.citizens - out["active"] - out["jailed"]
    return out
