"""Counter-based random numbers: draws that depend on a key and a counter, nothing else.

Word ``i`` of stream ``s`` under key ``k`` is SplitMix64's output at ``k + ((s << 40) + i)
* GOLDEN``: a whole array of draws is a handful of array operations, and a row's draws
never depend on which rows share its batch, nor on which other draws are made.

Each run has a key (:func:`stream_keys`, from the seed and the run's spawn key); the
kernel's standard normal number ``j`` of step ``t`` is number ``c = t * width + j`` of
the key's normals (:func:`normals`: numbers ``2 i`` and ``2 i + 1`` are the Box-Muller
pair of word ``i`` of stream 0; :class:`StepNoise`), so a step draws only the numbers it
reads (a decision's only where a request is answered) and a million runs cost a million
keys, not a million generators. The citizens' layer keys its draws per
lattice and step (``engine.population.region_keys``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

UInt = NDArray[np.uint64]
Float = NDArray[np.float64]

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def mix(z: UInt) -> UInt:
    """SplitMix64's finaliser, in place: a bijection of 64-bit words that scrambles every bit."""
    z ^= z >> np.uint64(30)
    z *= _M1
    z ^= z >> np.uint64(27)
    z *= _M2
    z ^= z >> np.uint64(31)
    return z


_ROOT = np.uint64(0xD1B54A32D192ED03)
_PI_32 = np.pi * 2.0**-32


def stream_keys(seed: int, spawn_keys: NDArray[np.int64]) -> UInt:
    """The key of each run, ``(R,)``, from the run's seed and spawn keys ``(R, L)``.

    The seed goes through ``numpy.random.SeedSequence`` once (so any seed, however
    large, is hashed well); each run's spawn key (``(replication,)`` for a run,
    ``(point, replication)`` in a sweep) is then mixed in one component at a time, so
    the keys of a million runs are a few array operations.
    """
    root = np.random.SeedSequence(seed).generate_state(2, np.uint64)
    spawn = np.asarray(spawn_keys, dtype=np.int64)
    if spawn.ndim != 2:
        raise ValueError(f"spawn keys must be (runs, length), not {spawn.shape}")
    z = np.full(spawn.shape[0], root[0], dtype=np.uint64)
    for column in spawn.T:
        z ^= root[1]
        z += (column.astype(np.uint64) + np.uint64(1)) * GOLDEN
        mix(z)
    z += np.uint64((spawn.shape[1] * int(_ROOT)) % 2**64)  # Python ints: no overflow warning
    return mix(z)


def normals(keys: UInt, first: int, n: int) -> Float:
    """Standard normal numbers ``first`` to ``first + n - 1`` of each key, ``(len(keys), n)``.

    Numbers ``2 c`` and ``2 c + 1`` are Box and Muller's pair ``sqrt(-2 ln u) cos(a)`` and
    ``sqrt(-2 ln u) sin(a)`` for a uniform angle ``a``, with ``u`` in (0, 1] from the high
    32 bits of word ``c`` of stream 0 (so no number is beyond 6.66 standard deviations: a
    chance of 3e-11 for a true normal). The low 32 bits give the angle: bit 0 the sign of
    its cosine, bits 1-31 its sine (an angle uniform in [-pi/2, pi/2)); the cosine is then
    ``+-sqrt(1 - sin^2)``, exact in law and cheaper than a second trigonometric function.
    """
    lo, hi = first // 2, (first + n + 1) // 2
    z = bits(keys, 0, hi - lo, lo)
    radius = (z >> np.uint64(32)).astype(np.float64)
    radius += 1.0
    radius *= 2.0**-32
    np.log(radius, out=radius)
    radius *= -2.0
    np.sqrt(radius, out=radius)
    # The angle: its sine from 31 bits (an angle in [-pi/2, pi/2)), and the sign of its
    # cosine from the 32nd (the other half of the circle), so one sine, no cosine.
    sign = (z & np.uint64(1)).astype(np.float64)
    sign *= -2.0
    sign += 1.0
    z &= np.uint64(0xFFFFFFFE)
    out = np.empty((len(keys), hi - lo, 2))
    sine = z.astype(np.float64)
    sine *= _PI_32
    sine -= np.pi / 2
    np.sin(sine, out=sine)
    out[:, :, 1] = sine
    np.multiply(sine, sine, out=sine)
    np.subtract(1.0, sine, out=sine)
    np.sqrt(sine, out=sine)
    sine *= sign
    out[:, :, 0] = sine
    out *= radius[:, :, None]
    skip = first - 2 * lo
    return out.reshape(len(keys), -1)[:, skip : skip + n]


class StepNoise:
    """The standard normal numbers of one step of a batch: ``width`` per run, drawn on demand.

    Args:
        keys: The runs' keys, ``(R,)`` (:func:`stream_keys`).
        step: The step (0 first).
        width: Numbers per run per step (``engine.kernel.noise_width``).
        offset: The first column this view reads (see :meth:`part`).
    """

    def __init__(self, keys: UInt, step: int, width: int, offset: int = 0) -> None:
        self.keys, self.step, self.width, self.offset = keys, step, width, offset

    def normal(self, lo: int, hi: int, rows: NDArray[np.int64] | None = None) -> Float:
        """Columns ``lo`` to ``hi - 1`` of every run, or of ``rows`` only, ``(runs, hi - lo)``."""
        keys = self.keys if rows is None else self.keys[rows]
        first = self.step * self.width + self.offset + lo
        return normals(keys, first, hi - lo)

    def part(self, lo: int) -> StepNoise:
        """The same numbers with column ``lo`` as column 0 (a stage's own columns)."""
        return StepNoise(self.keys, self.step, self.width, self.offset + lo)

    def word(self, column: int) -> UInt:
        """A random 64-bit word per run from column ``column``'s place (a key for other draws).

        Stream 1 of the key, so it is not the word column ``column``'s number comes from.
        """
        return bits(self.keys, 1, 1, self.step * self.width + self.offset + column)[:, 0]


def bits(keys: UInt, stream: int, n: int, first: int = 0) -> UInt:
    """Words ``first`` to ``first + n - 1`` of stream ``stream`` of each key, ``(len(keys), n)``.

    Word ``i`` of stream ``s`` under key ``k`` is ``mix(k + ((s << 40) + i) * GOLDEN)``, the
    SplitMix64 sequence from ``k``: the same whatever other keys are drawn with it.
    """
    counter = np.arange(first, first + n, dtype=np.uint64)
    counter += np.uint64(stream) << np.uint64(40)
    counter *= GOLDEN
    z = keys[:, None] + counter[None, :]
    return mix(z)


def uniform(keys: UInt, stream: int, n: int) -> Float:
    """Uniform draws in [0, 1), ``(len(keys), n)``, 53 bits each."""
    z = bits(keys, stream, n)
    z >>= np.uint64(11)
    out = z.astype(np.float64)
    out *= 2.0**-53
    return out


def below(words: UInt, n: int | NDArray[np.int64], shift: int = 32) -> NDArray[np.int64]:
    """Integers in ``[0, n)`` from 32 bits of each word (``shift`` picks which 32).

    Multiply-and-shift (Lemire): the bias is below ``n / 2**32``.
    """
    low = (words >> np.uint64(shift)) & np.uint64(0xFFFFFFFF)
    return ((low * np.asarray(n, dtype=np.uint64)) >> np.uint64(32)).astype(np.int64)


class GivenNoise(StepNoise):
    """A step's numbers given as an array, ``(R, width)``: to set them in a test.

    ``word`` mixes the bits of the number in its place, so citizens' keys come from it too.
    """

    def __init__(self, values: Float, offset: int = 0) -> None:
        super().__init__(np.zeros(len(values), dtype=np.uint64), 0, values.shape[1], offset)
        self.values = values

    def normal(self, lo: int, hi: int, rows: NDArray[np.int64] | None = None) -> Float:
        """Columns ``lo`` to ``hi - 1`` of the array (of ``rows`` only)."""
        values = self.values if rows is None else self.values[rows]
        return values[:, self.offset + lo : self.offset + hi]

    def part(self, lo: int) -> StepNoise:
        """The same array with column ``lo`` as column 0."""
        return GivenNoise(self.values, self.offset + lo)

    def word(self, column: int) -> UInt:
        """The bits of the number in column ``column``, mixed."""
        number = np.ascontiguousarray(self.values[:, self.offset + column], dtype=np.float64)
        return mix(number.view(np.uint64).copy())
