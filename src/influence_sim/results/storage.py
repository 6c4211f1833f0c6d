"""Files that check themselves: sizes and SHA-256 digests recorded when written.

Results folders and sweep folders record, in their manifest, the size and SHA-256 of
every file they hold. Loading, resuming and analysing verify them, so a flipped byte,
a truncated or deleted part, or a part copied in from elsewhere is an error naming the
file, never a table that loads with wrong numbers.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from influence_sim.errors import InfluenceSimError

BLOCK = 1 << 20


def digest(path: Path) -> dict[str, Any]:
    """``{"bytes": size, "sha256": hex}`` of a file, read in blocks."""
    sha = hashlib.sha256()
    size = 0
    with open(path, "rb") as stream:
        while block := stream.read(BLOCK):
            sha.update(block)
            size += len(block)
    return {"bytes": size, "sha256": sha.hexdigest()}


def digests(
    folder: Path, skip: tuple[str, ...] = ("manifest.json",), skip_folders: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The digest of every file under ``folder`` by relative path (POSIX).

    Args:
        folder: The folder.
        skip: Files left out (the manifest that holds the digests).
        skip_folders: Subfolders left out (figures, which may be drawn again).
    """
    out = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        if name not in skip and not name.startswith(tuple(f"{d}/" for d in skip_folders)):
            out[name] = digest(path)
    return out


def problem_with(folder: Path, name: str, recorded: dict[str, Any]) -> str | None:
    """What is wrong with one recorded file (missing, truncated, altered), or None."""
    path = folder / name
    if not path.is_file():
        return "is missing"
    size = path.stat().st_size
    if size != recorded.get("bytes"):
        return f"has {size:,} bytes, {recorded.get('bytes', 0):,} were written"
    if digest(path)["sha256"] != recorded.get("sha256"):
        return "has been altered (its SHA-256 differs from the one recorded when written)"
    return None


def verify(folder: Path, recorded: dict[str, Any], *, hint: str) -> None:
    """Check every recorded file of a folder.

    Args:
        folder: The folder.
        recorded: Relative path -> digest, as :func:`digests` made it.
        hint: What the user can do, appended to the message.

    Raises:
        InfluenceSimError: Naming every file that is missing, truncated or altered.
    """
    wrong = [
        f"{folder / name}: {problem}"
        for name, entry in recorded.items()
        if (problem := problem_with(folder, name, entry)) is not None
    ]
    if wrong:
        raise InfluenceSimError("\n".join([*wrong, hint]))


def storage_error(path: Path, exc: OSError) -> InfluenceSimError:
    """One clear line for a write the disk refused."""
    if exc.errno == errno.ENOSPC:
        what = "the disk is full; free some space, then resume"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        what = "permission denied (a read-only folder?); choose a folder you can write to"
    else:
        what = exc.strerror or str(exc)
    return InfluenceSimError(f"{path}: cannot write: {what}")


def read_manifest_file(file: Path, consequence: str) -> dict[str, Any]:
    """A manifest: a JSON object.

    Args:
        file: The ``manifest.json``.
        consequence: What a damaged one means and what to do, for the message.

    Raises:
        InfluenceSimError: If it cannot be read or is not a JSON object.
    """
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
        if not isinstance(manifest, dict):
            raise ValueError("not a JSON object")
    except (OSError, ValueError) as exc:
        raise InfluenceSimError(f"{file}: damaged manifest ({exc}); {consequence}") from None
    return manifest


def pid_alive(pid: int) -> bool:
    """Whether a process with this PID exists on this machine."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def atomic_write(target: Path, write: Callable[[Path], object]) -> None:
    """Write a file under a temporary name beside ``target``, then rename it into place.

    Readers see the old file or the whole new one, never a part; on failure the
    temporary file is removed.

    Args:
        target: The file.
        write: Writes the content to the path it is given.

    Raises:
        InfluenceSimError: If the disk refuses the write (full, read-only), naming the file.
    """
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        write(temporary)
        os.replace(temporary, target)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise storage_error(target, exc) from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def folder_name(name: str, started: datetime, key: str) -> str:
    """``<name>-<timestamp>-<hash>``: the one naming scheme of results, sweeps, comparisons.

    The hash (8 hex digits of SHA-256 of ``key``) tells apart two folders started in
    the same second from different inputs.
    """
    stamp = started.strftime("%Y%m%d-%H%M%S")
    return f"{name}-{stamp}-{hashlib.sha256(key.encode()).hexdigest()[:8]}"
