"""Run one extraction in a child process with a time limit and an address-space limit.

Originals come from the internet: a hostile or merely broken PDF can make PDFium loop for minutes
or allocate gigabytes, a web page can nest a million elements, and a crash in C code takes the
whole interpreter with it. So extraction (PDF, HTML and text alike)
runs in a child process (`python -m referat.ingest.worker`) that sets `RLIMIT_AS` on itself, is
killed when it overruns its time, and is replaced when it dies. Children are kept between jobs
(starting one costs ~0.2 s; a job on a warm child costs ~1 ms of overhead) and recycled after a
number of jobs so a slow leak cannot accumulate.

A plain subprocess rather than multiprocessing: it needs no `if __name__ == "__main__"` guard in
whatever script calls us, is safe when the parent has threads, and the child imports only what
extraction needs. Jobs and answers are length-prefixed pickles over the child's stdin/stdout;
functions travel by reference (module + name), so only importable functions can be sent.
"""

from __future__ import annotations

import os
import pickle
import resource
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from typing import Any, BinaryIO, Callable

from referat.errors import ExtractionError

_HEADER = struct.Struct("!Q")


class WorkerTimeout(Exception):
    """The job ran longer than its time limit; the child was killed."""


class WorkerOutOfMemory(Exception):
    """The job needed more memory than the child may have."""


class WorkerCrashed(Exception):
    """The child died without an answer (a signal, usually from C code running out of memory)."""


# ------------------------------------------------------------------------------- the child

def _read_exact(stream: BinaryIO, n: int) -> bytes | None:
    chunks, left = [], n
    while left:
        chunk = stream.read(left)
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _die_with_parent() -> None:
    """Linux: SIGKILL this worker when the process that started it dies (a killed `referat` must
    not leave a worker spinning on a hostile PDF). Elsewhere the closed stdin ends the loop."""
    parent = os.getppid()
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _child_main(memory_mb: int) -> None:
    """The child's loop: limit memory once, then answer jobs until stdin closes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's business
    _die_with_parent()
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # a stray print() in library code must not corrupt the protocol
    inp = sys.stdin.buffer
    if memory_mb > 0:
        limit = memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    import referat.ingest.html  # noqa: F401 - warm the imports before the first job is timed
    import referat.ingest.pdf  # noqa: F401

    while True:
        header = _read_exact(inp, _HEADER.size)
        if header is None:
            return
        payload = _read_exact(inp, _HEADER.unpack(header)[0])
        if payload is None:
            return
        try:
            fn, args, kwargs = pickle.loads(payload)
            reply: tuple[str, Any] = ("ok", fn(*args, **kwargs))
        except MemoryError:
            reply = ("oom", None)
        except ExtractionError as error:
            reply = ("extraction", (error.source, error.problem))
        except BaseException as error:  # noqa: BLE001 - reported to the parent, which re-raises
            reply = ("error", f"{type(error).__name__}: {error}")
        try:
            data = pickle.dumps(reply, protocol=pickle.HIGHEST_PROTOCOL)
        except MemoryError:
            reply, data = ("oom", None), pickle.dumps(("oom", None))
        out.write(_HEADER.pack(len(data)) + data)
        out.flush()
        if reply[0] == "oom":
            return  # the heap may be in a poor state; the parent starts a fresh child


# ------------------------------------------------------------------------------ the parent

class Worker:
    """One child process; `run` sends it a job and waits at most `timeout` seconds."""

    def __init__(self, memory_mb: int, max_jobs: int = 200):
        self.memory_mb = memory_mb
        self.max_jobs = max_jobs
        self._proc: subprocess.Popen | None = None
        self._jobs = 0

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def _start(self) -> None:
        env = dict(os.environ)
        # The child must import what the parent can (editable installs, tests run from the repo).
        env["PYTHONPATH"] = os.pathsep.join(p for p in sys.path if p)
        env.setdefault("OMP_THREAD_LIMIT", "1")
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "referat.ingest.worker", str(self.memory_mb)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            close_fds=True,
            start_new_session=True,  # its own process group: killing it also kills its tesseracts
        )
        self._jobs = 0

    def run(self, fn: Callable[..., Any], *args: Any, timeout: float, **kwargs: Any) -> Any:
        """fn(*args, **kwargs) in the child; ExtractionError from the child is re-raised as is."""
        if self._proc is None or self._proc.poll() is not None or self._jobs >= self.max_jobs:
            self.close()
            self._start()
        proc = self._proc
        assert proc is not None and proc.stdin is not None and proc.stdout is not None
        self._jobs += 1
        payload = pickle.dumps((fn, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
        deadline = time.monotonic() + timeout
        try:
            proc.stdin.write(_HEADER.pack(len(payload)) + payload)
            proc.stdin.flush()
        except (BrokenPipeError, OSError):
            self._died()
        header = self._read(_HEADER.size, deadline)
        body = self._read(_HEADER.unpack(header)[0], deadline)
        kind, value = pickle.loads(body)
        if kind == "ok":
            return value
        if kind == "oom":
            self.close(kill=True)
            raise WorkerOutOfMemory()
        if kind == "extraction":
            raise ExtractionError(*value)
        raise RuntimeError(f"extraction failed in the worker: {value}")

    def _read(self, n: int, deadline: float) -> bytes:
        """n bytes of the answer, or WorkerTimeout / WorkerCrashed."""
        assert self._proc is not None and self._proc.stdout is not None
        fd = self._proc.stdout.fileno()
        chunks, left = [], n
        while left:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.close(kill=True)
                raise WorkerTimeout()
            ready, _, _ = select.select([fd], [], [], remaining)
            if not ready:
                continue
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                self._died()
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    def _died(self) -> None:
        """The child closed its end without an answer: collect its exit status and say so."""
        proc = self._proc
        code = None
        if proc is not None:
            try:
                code = proc.wait(2)
            except subprocess.TimeoutExpired:
                pass
        self.close(kill=True)
        raise WorkerCrashed(code)

    def close(self, kill: bool = False) -> None:
        """Stop the child: close its stdin (it exits) or, when it may be busy, SIGKILL it."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if kill:
            try:
                os.killpg(proc.pid, signal.SIGKILL)  # the worker and any OCR processes it started
            except (ProcessLookupError, PermissionError):
                pass
        for stream in (proc.stdin, proc.stdout):
            try:
                if stream:
                    stream.close()
            except OSError:
                pass
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:  # pragma: no cover
            proc.kill()
            proc.wait()

    def __del__(self) -> None:  # pragma: no cover - best effort at interpreter exit
        try:
            self.close(kill=True)
        except Exception:
            pass


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


if __name__ == "__main__":
    _child_main(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
