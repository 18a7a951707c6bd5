"""Run one extraction in a child process with a time limit and an address-space limit.

PDFs come from the internet: a hostile or merely broken file can make PDFium loop for minutes or
allocate gigabytes, and a crash in C code takes the whole interpreter with it. So PDF extraction
runs in a child process that has `RLIMIT_AS` set, is killed when it overruns its time, and is
replaced when it dies. Children are kept between jobs (starting one costs ~20 ms after the first)
and recycled after a number of jobs so a slow leak cannot accumulate.

The children are started by a fork server that has already imported the extractors, which is
fast and, unlike plain fork, safe when the parent has threads.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import signal
import threading
from multiprocessing.connection import Connection
from typing import Any, Callable

from referat.errors import ExtractionError

_PRELOAD = ["referat.ingest.pdf", "referat.ingest.ocr"]


class WorkerTimeout(Exception):
    """The job ran longer than its time limit; the child was killed."""


class WorkerOutOfMemory(Exception):
    """The job needed more memory than the child may have."""


class WorkerCrashed(Exception):
    """The child died without an answer (a signal, usually from C code running out of memory)."""


def _context() -> multiprocessing.context.BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(_PRELOAD)
        return ctx
    return multiprocessing.get_context("spawn")  # pragma: no cover (non-POSIX)


def _child(conn: Connection, memory_mb: int) -> None:
    """The child's loop: limit memory once, then answer jobs until the pipe closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's business
    if memory_mb > 0:
        limit = memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    while True:
        try:
            fn, args, kwargs = conn.recv()
        except (EOFError, OSError):
            return
        try:
            reply = ("ok", fn(*args, **kwargs))
        except MemoryError:
            reply = ("oom", None)
        except ExtractionError as error:
            reply = ("extraction", (error.source, error.problem))
        except BaseException as error:  # noqa: BLE001 - reported to the parent, which re-raises
            reply = ("error", f"{type(error).__name__}: {error}")
        try:
            conn.send(reply)
        except MemoryError:
            conn.send(("oom", None))
        if reply[0] == "oom":
            return  # the heap may be in a poor state; let the parent start a fresh child


class Worker:
    """One child process; `run` sends it a job and waits at most `timeout` seconds."""

    def __init__(self, memory_mb: int, max_jobs: int = 200):
        self.memory_mb = memory_mb
        self.max_jobs = max_jobs
        self._process: multiprocessing.process.BaseProcess | None = None
        self._conn: Connection | None = None
        self._jobs = 0
        self.pid: int | None = None

    def _start(self) -> None:
        ctx = _context()
        parent, child = ctx.Pipe()
        process = ctx.Process(target=_child, args=(child, self.memory_mb), daemon=True, name="referat-extract")
        process.start()
        child.close()
        self._process, self._conn, self._jobs, self.pid = process, parent, 0, process.pid

    def run(self, fn: Callable[..., Any], *args: Any, timeout: float, **kwargs: Any) -> Any:
        """fn(*args, **kwargs) in the child; ExtractionError from the child is re-raised as is."""
        if self._process is None or not self._process.is_alive() or self._jobs >= self.max_jobs:
            self.close()
            self._start()
        assert self._conn is not None and self._process is not None
        self._jobs += 1
        try:
            self._conn.send((fn, args, kwargs))
            ready = self._conn.poll(timeout)
        except (BrokenPipeError, EOFError, OSError):
            ready = True  # the child is gone; recv below says so
        if not ready:
            self.close(kill=True)
            raise WorkerTimeout()
        try:
            kind, value = self._conn.recv()
        except (EOFError, OSError):
            code = self._exitcode()
            self.close(kill=True)
            raise WorkerCrashed(code) from None
        if kind == "ok":
            return value
        if kind == "oom":
            self.close(kill=True)
            raise WorkerOutOfMemory()
        if kind == "extraction":
            raise ExtractionError(*value)
        raise RuntimeError(f"extraction failed in the worker: {value}")

    def _exitcode(self) -> int | None:
        if self._process is None:
            return None
        self._process.join(1)
        return self._process.exitcode

    def close(self, kill: bool = False) -> None:
        """Stop the child (SIGKILL when it may be busy)."""
        process, conn = self._process, self._conn
        self._process = self._conn = None
        if conn is not None:
            conn.close()
        if process is None:
            return
        if kill and process.is_alive():
            try:
                os.kill(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        process.join(5)
        if process.is_alive():  # pragma: no cover
            process.kill()
            process.join()


class WorkerPool:
    """Idle workers by memory limit, shared by the threads of one process."""

    def __init__(self) -> None:
        self._idle: dict[int, list[Worker]] = {}
        self._lock = threading.Lock()

    def acquire(self, memory_mb: int) -> Worker:
        with self._lock:
            idle = self._idle.get(memory_mb)
            if idle:
                return idle.pop()
        return Worker(memory_mb)

    def release(self, worker: Worker) -> None:
        with self._lock:
            self._idle.setdefault(worker.memory_mb, []).append(worker)

    def run(self, memory_mb: int, fn: Callable[..., Any], *args: Any, timeout: float, **kwargs: Any) -> Any:
        worker = self.acquire(memory_mb)
        try:
            return worker.run(fn, *args, timeout=timeout, **kwargs)
        finally:
            self.release(worker)

    def close(self) -> None:
        with self._lock:
            workers = [w for ws in self._idle.values() for w in ws]
            self._idle.clear()
        for worker in workers:
            worker.close()


# Reusing children across calls is what makes isolation cheap; the limits still come with each call.
POOL = WorkerPool()
