"""Tori of cells, batched with the batch last, and the filters over their disks of vision.

A grid of ``B`` lattices is shaped ``(side, side, B)``: every slice of it runs over whole
batches, the contiguous axis, which is many times faster than the short rows of one
lattice. Vision is a disk of radius ``vision`` (NetLogo's ``in-radius``; 149 cells at
7). Work buffers are reused inside :func:`workspace`.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import NDArray

UInt = NDArray[np.uint64]
Float = NDArray[np.float64]
Int = NDArray[np.int32]
Bool = NDArray[np.bool_]
Grid = NDArray[Any]

BLOCK = 8
"""Lattice sides are multiples of this (the movement pairs cells inside such blocks)."""


def where2(mask: Bool) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """``np.nonzero`` of a 2-D mask, in the same (row-major) order, many times faster."""
    flat = np.flatnonzero(mask)
    return np.divmod(flat, mask.shape[1])


_SCRATCH = threading.local()


def scratch(tag: object, shape: tuple[int, ...], dtype: np.dtype | type) -> Grid:
    """A work buffer for ``tag``: reused inside :func:`workspace`, fresh outside it.

    The hot loops' temporaries are large and short-lived; fresh ones cost a page fault per
    page every tick. A buffer is valid until the next request for the same tag.
    """
    buffers = getattr(_SCRATCH, "buffers", None)
    size = int(np.prod(shape))
    if buffers is None:
        return np.empty(shape, dtype=dtype)
    key = (tag, np.dtype(dtype).str)
    held = buffers.get(key)
    if held is None or held.size < size:
        held = buffers[key] = np.empty(size, dtype=dtype)
    return held[:size].reshape(shape)


@contextlib.contextmanager
def workspace() -> Iterator[None]:
    """Reuse work buffers (:func:`scratch`) for as long as the block runs, then free them."""
    outer = getattr(_SCRATCH, "buffers", None)
    _SCRATCH.buffers = {} if outer is None else outer
    try:
        yield
    finally:
        if outer is None:
            _SCRATCH.buffers = None


@dataclass(frozen=True)
class Lattice:
    """A torus of ``side x side`` cells and a vision radius."""

    side: int
    vision: int

    def __post_init__(self) -> None:
        if self.side % BLOCK or self.side < BLOCK:
            raise ValueError(f"a lattice side must be a multiple of {BLOCK}, not {self.side}")
        if not 1 <= self.vision < self.side // 2:
            raise ValueError(f"vision must be from 1 to {self.side // 2 - 1}, not {self.vision}")
        if self.cells > 1 << 16:
            raise ValueError(f"a lattice holds at most {1 << 16} cells (side 256)")

    @property
    def cells(self) -> int:
        """Cells per lattice."""
        return self.side * self.side

    @cached_property
    def widths(self) -> tuple[int, ...]:
        """Half-width of the disk's row at each vertical offset ``-vision..vision``."""
        v = self.vision
        return tuple(int(np.floor(np.sqrt(v * v - dy * dy) + 1e-9)) for dy in range(-v, v + 1))

    @cached_property
    def in_vision(self) -> int:
        """Cells within vision, the agent's own included (149 at vision 7)."""
        return sum(2 * w + 1 for w in self.widths)

    @cached_property
    def pairings(self) -> NDArray[np.int64]:
        """The ``(mx, my)`` masks a tick may pair cells with, ``(n, 2)``: within vision."""
        out = [
            (mx, my)
            for mx in range(BLOCK)
            for my in range(BLOCK)
            if (mx or my) and mx * mx + my * my <= self.vision**2
        ]
        return np.array(out, dtype=np.int64)

    def pad(self, grid: Grid) -> Grid:
        """A ``(side + 2v, side + 2v, B)`` copy of ``(side, side, B)`` grids, wrapped round.

        Grids keep the batch last: every slice then runs over whole batches, the
        contiguous axis, which is many times faster than short rows of one lattice.
        The copy is a scratch buffer, valid until the next call.
        """
        v, n = self.vision, self.side
        out = scratch("pad", (n + 2 * v, n + 2 * v, *grid.shape[2:]), grid.dtype)
        out[v : v + n, v : v + n] = grid
        out[:v, v : v + n] = grid[n - v :]
        out[v + n :, v : v + n] = grid[:v]
        out[:, :v] = out[:, n : n + v]
        out[:, v + n :] = out[:, v : 2 * v]
        return out

    def _windows(self, padded: Grid, combine: np.ufunc) -> dict[int, Grid]:
        """``combine`` over ``x-w..x+w`` of each padded row for each half-width ``w``.

        Shaped ``(side + 2v, side, B)`` each, built from windows of 1, 2, 4, 8... cells.
        ``combine`` is ``np.maximum`` (windows may overlap) or ``np.add`` (they may not).
        """
        v, n = self.vision, self.side
        rows, width, *batch = padded.shape
        spans = {1: padded}
        size = 1
        while 2 * size <= 2 * v + 1:
            prev = spans[size]
            into = scratch(("span", 2 * size), (rows, width - 2 * size + 1, *batch), padded.dtype)
            spans[2 * size] = combine(prev[:, : width - 2 * size + 1], prev[:, size:], out=into)
            size *= 2
        out: dict[int, Grid] = {}
        for w in sorted(set(self.widths)):
            start, length = v - w, 2 * w + 1
            top = 1 << (length.bit_length() - 1)
            part = spans[top][:, start : start + n]
            if top < length:
                into = scratch(("part", w), (rows, n, *batch), padded.dtype)
                if combine is np.maximum:
                    rest = start + length - top
                    part = np.maximum(part, spans[top][:, rest : rest + n], out=into)
                else:
                    np.copyto(into, part)
                    part = into
                    done = top
                    while done < length:
                        piece = 1 << ((length - done).bit_length() - 1)
                        part += spans[piece][:, start + done : start + done + n]
                        done += piece
            out[w] = part
        return out

    def disk_sum(self, grid: NDArray[np.uint16]) -> NDArray[np.uint16]:
        """Sum of each cell's disk of vision, ``(side, side, B)``, for small counts.

        Each byte of a ``uint16`` may hold its own count (at most 255 in a disk), so two
        counts travel in one pass.
        """
        v, n = self.vision, self.side
        rows = self._windows(self.pad(grid), np.add)
        out = scratch("disk", grid.shape, grid.dtype)
        np.copyto(out, rows[self.widths[0]][:n])
        for dy, w in zip(range(-v + 1, v + 1), self.widths[1:], strict=True):
            out += rows[w][v + dy : v + dy + n]
        return out

    def disk_max(self, grid: NDArray[np.uint32]) -> NDArray[np.uint32]:
        """The maximum over each cell's disk of vision, ``(side, side, B)``."""
        v, n = self.vision, self.side
        rows = self.row_max(grid)
        out = scratch("disk max", grid.shape, grid.dtype)
        np.copyto(out, rows[self.widths[0]][:n])
        for dy, w in zip(range(-v + 1, v + 1), self.widths[1:], strict=True):
            np.maximum(out, rows[w][v + dy : v + dy + n], out=out)
        return out

    def row_max(self, grid: NDArray[np.uint32]) -> dict[int, Grid]:
        """The maximum over ``x-w..x+w`` of the wrapped grid, for each half-width ``w``.

        Shaped ``(side + 2v, side, B)``: rows still padded for the vertical step.
        """
        return self._windows(self.pad(grid), np.maximum)
