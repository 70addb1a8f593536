"""Where runs execute: serially, in local processes, or on a Dask cluster — one interface.

An executor takes batches of tasks and yields each batch's rows as it completes, in whatever
order. Results never depend on the executor: every task carries its own seed. Whoever makes an
executor closes it (``with make_executor(spec) as executor:``), so one pool can serve many calls
of :func:`experiments.replicate.replicate` (every trial of a calibration, say).
"""

import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from sim.errors import InputError

Batch = list[Any]
BatchFunction = Callable[[Batch], list[dict[str, Any]]]
# `--scheduler auto` runs serially below this many runs (a run takes 25 to 40 ms): starting worker
# processes takes one to three seconds, and 200 runs on two cores were measured no faster than in
# one process, or slower when every run's series come back.
AUTO_PROCESSES_FROM = 500
CONNECT_SECONDS = 5.0  # how long a scheduler address may take to answer
WORKER_CHECK_SECONDS = 10.0  # without a result this long, check that the cluster has workers
POLL_SECONDS = 0.02


class _Closing:
    """``with executor:`` closes it at the end of the block, error or not."""

    def __enter__(self):
        return self

    def __exit__(self, *_) -> None:
        self.close()  # type: ignore[attr-defined]


class SerialExecutor(_Closing):
    """In this process, one batch after another: for small runs, debugging and tests."""

    name = "serial"
    workers = 1

    def map(self, function: BatchFunction, batches: Iterable[Batch]) -> Iterator[list[dict]]:
        for batch in batches:
            yield function(batch)

    def close(self) -> None:
        pass


class ProcessExecutor(_Closing):
    """Local worker processes; a few batches in flight per worker keep every core busy."""

    name = "processes"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or os.cpu_count() or 1
        # forkserver: workers start from a clean single-threaded process, never a fork of a
        # parent that may hold threads (progress bars, Dask), which can deadlock.
        self._pool = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("forkserver"),
            initializer=exit_with_parent,
            initargs=(os.getpid(),),
        )

    def map(self, function: BatchFunction, batches: Iterable[Batch]) -> Iterator[list[dict]]:
        pending: set[Future] = set()
        queue = iter(batches)
        for batch in queue:
            pending.add(self._pool.submit(function, batch))
            if len(pending) >= 2 * self.workers:
                break
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
                batch = next(queue, None)
                if batch is not None:
                    pending.add(self._pool.submit(function, batch))

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def exit_with_parent(parent: int, interval: float = 1.0) -> None:
    """Run in each worker: end it once the command that started it is gone.

    A worker blocks on its task queue, whose writing end it holds itself, so a parent killed
    with SIGKILL never closes it: without this, workers (and the forkserver and resource
    tracker they keep alive) would sit in memory long after the command died."""

    def watch() -> None:
        while True:
            time.sleep(interval)
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:  # another user's process took the number: ours is gone
                os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


class DaskExecutor(_Closing):
    """A Dask distributed cluster: an existing scheduler, or a LocalCluster started here (on
    127.0.0.1 only, without its web dashboard: nothing is opened to the network).

    A lost worker costs only its batches in flight: the scheduler resubmits them elsewhere. A
    cluster that has lost every worker is said so on stderr; the runs wait for workers to come
    back, or end with a one-line error after ``worker_timeout`` seconds without any.
    """

    name = "dask"

    def __init__(
        self, address: str | None = None, workers: int = 2, worker_timeout: float | None = None
    ) -> None:
        from distributed import Client, LocalCluster

        self._cluster = None
        self.worker_timeout = worker_timeout
        if address is None:
            self._cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address=None,
            )
            address = self._cluster.scheduler_address
        self.address = address
        try:
            self._client = Client(address, timeout=CONNECT_SECONDS)
        except (OSError, TimeoutError):
            raise InputError(
                "--scheduler",
                "scheduler",
                address,
                f"the address of a running Dask scheduler (none answered within "
                f"{CONNECT_SECONDS:.0f} s)",
            ) from None
        self.workers = len(self._client.scheduler_info().get("workers", {})) or workers

    def map(self, function: BatchFunction, batches: Iterable[Batch]) -> Iterator[list[dict]]:
        from distributed import as_completed

        queue = as_completed(self._client.map(function, list(batches), pure=False))
        last_result = time.monotonic()
        without_workers_since: float | None = None
        while not queue.is_empty():
            done = queue.next_batch(block=False)
            for future in done:
                yield future.result()
            if done:
                last_result, without_workers_since = time.monotonic(), None
                continue
            time.sleep(POLL_SECONDS)
            if time.monotonic() - last_result < WORKER_CHECK_SECONDS:
                continue
            last_result = time.monotonic()  # check again in WORKER_CHECK_SECONDS
            if self._client.nthreads():
                without_workers_since = None
                continue
            if without_workers_since is None:
                without_workers_since = time.monotonic()
                limit = (
                    f"giving up after {self.worker_timeout:.0f} s"
                    if self.worker_timeout is not None
                    else "waiting for workers (--worker-timeout SECONDS gives up)"
                )
                print(
                    f"tpn: the Dask cluster at {self.address} has no workers; {limit}; "
                    "finished runs are kept",
                    file=sys.stderr,
                )
            idle = time.monotonic() - without_workers_since
            if self.worker_timeout is not None and idle >= self.worker_timeout:
                raise InputError(
                    "--scheduler",
                    "scheduler",
                    self.address,
                    f"a cluster with workers (it had none for {idle:.0f} s; finished runs "
                    "are kept: run again with --resume)",
                )

    def close(self) -> None:
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def parse_scheduler(spec: str) -> tuple[str, int | str | None]:
    """Check a ``--scheduler`` value before anything starts: (kind, workers or address)."""
    if spec in ("serial", "auto"):
        return spec, None
    if spec == "processes":
        return "processes", None
    if spec.startswith("processes:"):
        return "processes", _count(spec)
    if spec.startswith("local:"):
        return "local", _count(spec)
    if spec.startswith(("tcp://", "tls://", "inproc://", "ucx://")):
        return "address", spec
    raise InputError(
        "--scheduler",
        "scheduler",
        spec,
        "auto, serial, processes, processes:N, local:N or tcp://HOST:PORT",
    )


Executor = SerialExecutor | ProcessExecutor | DaskExecutor


def make_executor(
    spec: str, runs: int | None = None, worker_timeout: float | None = None
) -> Executor:
    """``serial``, ``processes`` or ``processes:N``, ``local:N`` (Dask LocalCluster), ``tcp://…``,
    or ``auto``: serial for fewer than :data:`AUTO_PROCESSES_FROM` ``runs``, else all cores.
    ``worker_timeout``: how long a Dask cluster may have no workers before the runs stop."""
    kind, value = parse_scheduler(spec)
    if kind == "auto":
        kind = "serial" if runs is None or runs < AUTO_PROCESSES_FROM else "processes"
    if kind == "serial":
        return SerialExecutor()
    if kind == "processes":
        return ProcessExecutor(value)
    if kind == "local":
        return DaskExecutor(workers=value, worker_timeout=worker_timeout)
    return DaskExecutor(address=value, worker_timeout=worker_timeout)


def _count(spec: str) -> int:
    text = spec.split(":", 1)[1]
    if not text.isdigit() or int(text) < 1:
        raise InputError("--scheduler", "scheduler", spec, "a worker count of 1 or more after ':'")
    return int(text)
