"""Counter-based random numbers: draws that depend on a key and a counter, nothing else.

Word ``i`` of stream ``s`` under key ``k`` is SplitMix64's output at ``k + ((s << 40) + i)
* GOLDEN``: a whole array of draws is a handful of array operations, and a row's draws
never depend on which rows share its batch. The citizens' layer keys them per lattice
and step (``engine.population.region_keys``).
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


def key_of(noise: Float) -> UInt:
    """A 64-bit key per row from one standard normal draw per row (its bits, mixed)."""
    return mix(np.ascontiguousarray(noise, dtype=np.float64).view(np.uint64).copy())


def bits(keys: UInt, stream: int, n: int) -> UInt:
    """``n`` random 64-bit words per key, ``(len(keys), n)``: counter ``stream`` of each key.

    Word ``i`` of stream ``s`` under key ``k`` is ``mix(k + ((s << 40) + i) * GOLDEN)``, the
    SplitMix64 sequence from ``k``: the same whatever other keys are drawn with it.
    """
    counter = np.arange(n, dtype=np.uint64)
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
