"""Where a sweep's chunks run: a local process pool, dask, or any ``Executor``."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from influence_sim.errors import InfluenceSimError
from influence_sim.sweeps.chunks import (
    ENVIRONMENT,
    ChunkReport,
    watch_parent,
)

P = ParamSpec("P")
T = TypeVar("T")


def executor_for(
    kind: str, workers: int | None, scheduler: str | None
) -> contextlib.AbstractContextManager[Executor]:
    """A context manager giving the executor of a kind: ``local`` or ``dask``.

    ``local`` with one worker runs the chunks in this process, one after another: a pool
    of one would only add a process's start-up and its imports to the same work.
    """
    if kind == "local" and (workers or os.cpu_count() or 1) == 1:
        return InProcess()
    if kind == "local":
        # An explicit context, never the global start method (mesa.batch_run changes it).
        # forkserver (spawn off Linux) is safe in threaded processes such as notebooks, and
        # the chunk function and its plain-data tasks import cleanly in a fresh process.
        method = "forkserver" if sys.platform.startswith("linux") else "spawn"
        context = multiprocessing.get_context(method)
        if method == "forkserver":
            # The server imports the package once; workers fork from it ready to run.
            context.set_forkserver_preload(["influence_sim.sweeps.chunks"])
        # Each worker watches the main process and exits when it is gone (SIGTERM, SIGKILL).
        return ProcessPoolExecutor(
            max_workers=workers or os.cpu_count() or 1,
            mp_context=context,
            initializer=watch_parent,
            initargs=(os.getpid(),),
        )
    if kind == "dask":
        return _dask(workers, scheduler)
    raise InfluenceSimError(f"unknown executor '{kind}'; expected 'local' or 'dask'")


@contextlib.contextmanager
def _dask(workers: int | None, scheduler: str | None) -> Iterator[Executor]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise InfluenceSimError(
            "the dask executor needs dask.distributed: pip install 'influence-sim[cluster]'"
        ) from None
    if scheduler:
        with Client(scheduler) as client:
            yield client.get_executor()
    else:
        with (
            LocalCluster(
                n_workers=workers or os.cpu_count() or 1,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            ) as cluster,
            Client(cluster) as client,
        ):
            yield client.get_executor()


class InProcess(Executor):
    """An executor that runs each task when it is submitted, in this process.

    An exception the task raises is kept in its future, as a pool's would be; an
    interruption (``KeyboardInterrupt``) is not caught, and stops the sweep at once.
    """

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        """Run ``fn`` now; its future is done when this returns."""
        future: Future[T] = Future()
        future.set_running_or_notify_cancel()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:
            future.set_exception(exc)
        return future


RESUME_HINT = "the finished chunks are kept: resume with --resume "
"""How a failed sweep's message sends the user back to its folder (:func:`resume_hint`)."""


def resume_hint(folder: Path | str) -> str:
    """The words a failed sweep's message ends on: how to finish it from ``folder``."""
    return f"{RESUME_HINT}{folder}"


def chunk_result(future: Future[ChunkReport], folder: Path) -> ChunkReport:
    """A finished chunk's report; a dead worker or a refused write as one clear error."""
    try:
        return future.result()
    except BrokenProcessPool:
        raise InfluenceSimError(
            f"a worker process died; {resume_hint(folder)}. If you call run_sweep from a "
            "script, put the call under `if __name__ == '__main__':` (Python's rule for process "
            "pools); otherwise the worker may have run out of memory (try a "
            "smaller chunk_size)"
        ) from None
    except ENVIRONMENT as exc:  # outside a run: reading the set-up, compiling, writing
        raise InfluenceSimError(
            f"a chunk stopped: {type(exc).__name__}: {exc} (a failure of the machine or the "
            f"installation, not of the model); {resume_hint(folder)} once it is fixed"
        ) from None
    except InfluenceSimError as exc:  # a write the disk refused, a failure outside the model
        raise InfluenceSimError(f"{exc}; {resume_hint(folder)} once it is fixed") from None


def stop_workers(pool: Executor, in_flight: dict[Future[ChunkReport], int]) -> None:
    """On an interruption, cancel what has not started and end the local workers now."""
    for future in in_flight:
        future.cancel()
    if isinstance(pool, ProcessPoolExecutor):
        processes = list((getattr(pool, "_processes", None) or {}).values())
        for process in processes:
            with contextlib.suppress(Exception):
                process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)


def progress_bar(total: int, done: int, enabled: bool) -> Any:
    """A progress bar of runs, starting at those already done."""
    from tqdm import tqdm

    return tqdm(
        total=total,
        initial=done,
        unit=" runs",
        disable=None if enabled else True,
        dynamic_ncols=True,
        smoothing=0.1,
    )
