"""``infer --ray``: the inputs' frames computed by Ray actors, stored by this process.

The driver (this module, in the ``medpose-gui infer`` process) cuts each input's frames to
compute into shards (:func:`~medpose_gui.runs.inputs.cut_shards`), starts one
:class:`~medpose_gui.runs.cluster_worker.ShardWorker` actor per GPU (or per
``cpus_per_worker`` CPU cores), hands each idle worker the next shard, and passes every
batch of results that comes back through Ray's object store to ``on_batch`` (which stores
it: the driver is the only writer of every project). Nothing here computes or stores.

Faults: a worker lost mid-shard (its process killed, its node gone) is replaced; the frames
of its shard it had not returned are queued again, first in line, for any worker. A shard
that loses ``max_attempts`` workers fails its input. An exception in a worker (a frame that
cannot be decoded) fails that input only. Ctrl+C (KeyboardInterrupt) kills every worker:
the cluster stops, and what was stored stays.

Importing this module imports Ray; only ``infer --ray`` does.
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import ray
from ray.exceptions import RayActorError, RayError, RayTaskError

from .cluster_worker import ShardWorker
from .inputs import Shard, cut_shards
from .settings import RunSettings, default_batch_size

BatchFn = Callable[[int, dict], None]  # (job index, {frame: instances})
JobFn = Callable[[int], None]
FailFn = Callable[[int, str], None]


_REMOTE_WORKER = ray.remote(ShardWorker)


class ClusterError(Exception):
    """The cluster cannot run this job at all (no worker can load the models...)."""


class JobSpec(Protocol):
    """What the driver needs of an input (:class:`medpose_gui.batch.InputJob` has it)."""

    media: str
    fingerprint: str
    todo: list[int]


@dataclass(frozen=True)
class ClusterOptions:
    workers: int | None = None  # None: as many as the cluster's GPUs (or CPUs) allow
    cpus_per_worker: float = 1.0
    gpus_per_worker: float | None = None  # None: 1 if the cluster has GPUs and device != cpu
    shard_frames: int = 32  # large enough to hide the per-shard cost, small for balance
    max_attempts: int = 3  # workers a shard may lose before its input fails


def connect(address: str) -> bool:
    """Join the cluster at ``address`` (HOST:PORT of its head; "auto": the cluster this
    machine belongs to, found through RAY_ADDRESS or a ``ray start`` here, else a new Ray on
    this machine). True if this call connected (the caller disconnects); already connected
    (a test, a notebook): that connection is used and False returned."""
    if ray.is_initialized():
        return False
    quiet = {"log_to_driver": False, "logging_level": logging.WARNING}
    try:
        if address != "auto":
            ray.init(address=address, **quiet)
            return True
        try:
            ray.init(address="auto", **quiet)
        except ConnectionError:  # no running cluster: start one on this machine
            ray.init(address="local", include_dashboard=False, **quiet)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise ClusterError(f"cannot join the Ray cluster at {address}: {exc}") from None
    return True


@dataclass(eq=False)
class WorkerSlot:
    actor: Any
    starting: Any | None  # ObjectRef of describe() until the worker has loaded its models
    info: dict = field(default_factory=dict)  # pid, host, device, identity
    task: Assignment | None = None


@dataclass(eq=False)
class Assignment:
    shard: Shard
    worker: WorkerSlot
    remaining: list[int]  # frames of the shard not returned yet


class ClusterRun:
    """One run over many inputs on a Ray cluster (call :func:`connect` first)."""

    def __init__(self, settings: RunSettings, options: ClusterOptions, identity: dict) -> None:
        self.settings = settings
        self.options = options
        self.identity = identity  # the driver's models: every worker must load the same
        self.workers: list[WorkerSlot] = []
        self.poll_s = 1.0
        gpus = options.gpus_per_worker
        if gpus is None:
            has_gpu = ray.cluster_resources().get("GPU", 0) > 0
            gpus = 1.0 if has_gpu and settings.device != "cpu" else 0.0
        self.gpus = gpus
        # The batches of a shard must be the local run's (cut_shards): the workers' batch
        # size, from their device (a GPU worker gets 4 unless --batch-size says otherwise).
        self.batch_size = settings.batch_size or default_batch_size("cuda" if gpus else "cpu")
        self._lost = 0

    # -- hooks ----------------------------------------------------------------------------
    def on_stored(self, job: int, frames: int) -> None:
        """Called after each stored batch (a no-op; tests kill a worker here)."""

    # -- the run ----------------------------------------------------------------------------
    def run(self, jobs: Sequence[JobSpec], *, on_batch: BatchFn, on_done: JobFn,
            on_failed: FailFn) -> None:
        """Compute every job's ``todo`` frames; ``on_batch`` stores each batch (in the
        order they arrive), ``on_done(job)`` once all of a job's frames are stored,
        ``on_failed(job, message)`` when a job cannot be finished (the others go on)."""
        self._jobs, self._on_batch, self._on_done, self._on_failed = \
            jobs, on_batch, on_done, on_failed
        self._queue: deque[Shard] = deque(
            Shard(j, frames) for j, job in enumerate(jobs)
            for frames in cut_shards(job.todo, self.batch_size, self.options.shard_frames))
        self._outstanding = Counter(s.job for s in self._queue)
        self.failed: set[int] = set()
        for j, job in enumerate(jobs):
            if not job.todo:
                on_done(j)
        if not self._queue:
            return
        self._start_workers(self._worker_count(len(self._queue)))
        self._active: dict[Any, Assignment] = {}
        try:
            while self._queue or self._active:
                self._assign()
                waitables = list(self._active) + [s.starting for s in self.workers
                                                  if s.starting is not None]
                if not waitables:
                    continue  # only shards of failed jobs were left in the queue
                ready, _ = ray.wait(waitables, num_returns=1, timeout=self.poll_s)
                for obj in ready:
                    if obj in self._active:
                        self._advance(obj)
                    else:
                        self._worker_started(obj)
        finally:
            self.stop()  # Ctrl+C: cancels the cluster's work; stored batches stay

    def fail(self, job: int, message: str) -> None:
        """Give up on ``job`` (its queued shards are dropped, its results ignored)."""
        if job not in self.failed:
            self.failed.add(job)
            self._on_failed(job, message)

    def _assign(self) -> None:
        """Idle, started workers take the next shards."""
        for slot in self.workers:
            while slot.task is None and slot.starting is None and self._queue:
                shard = self._queue.popleft()
                if shard.job in self.failed:
                    self._shard_finished(shard.job)
                    continue
                job = self._jobs[shard.job]
                generator = slot.actor.run_shard.remote(job.media, job.fingerprint,
                                                        list(shard.frames))
                slot.task = self._active[generator] = Assignment(shard, slot, list(shard.frames))

    def _shard_finished(self, job: int) -> None:
        self._outstanding[job] -= 1
        if self._outstanding[job] == 0 and job not in self.failed:
            self._on_done(job)

    def _advance(self, generator: Any) -> None:
        """The next item of a shard: a batch to store, the shard's end, or a fault."""
        task = self._active[generator]
        job = task.shard.job
        try:
            batch = ray.get(next(generator))
        except StopIteration:
            del self._active[generator]
            task.worker.task = None
            if task.remaining:  # cannot happen unless the worker stopped early: run them again
                self._queue.appendleft(Shard(job, tuple(task.remaining), task.shard.attempt))
            else:
                self._shard_finished(job)
            return
        except RayActorError as exc:  # the worker process or its node is gone
            del self._active[generator]
            self._replace(task.worker, exc)
            left = Shard(job, tuple(task.remaining), task.shard.attempt + 1)
            if left.attempt > self.options.max_attempts:
                self.fail(job, f"{self.options.max_attempts} workers were lost on frames "
                               f"{left.frames[0]}..{left.frames[-1]}")
                self._shard_finished(job)
            else:
                # First in line, so the input finishes soon. The frames left start at a
                # batch boundary (batches come back whole): batching stays the local run's.
                self._queue.appendleft(left)
            return
        except RayTaskError as exc:  # the worker's code failed on this input
            del self._active[generator]
            task.worker.task = None
            self.fail(job, _cause_text(exc))
            self._shard_finished(job)
            return
        done = set(batch)
        task.remaining = [f for f in task.remaining if f not in done]
        if job not in self.failed:
            self._on_batch(job, batch)
            self.on_stored(job, len(done))

    # -- workers -------------------------------------------------------------------------
    def _worker_count(self, shards: int) -> int:
        """``--workers``, else as many as the cluster's GPUs (CPUs) hold now. With
        ``--workers`` the cluster may still grow to fit them (an autoscaler); without it,
        a cluster too small for one worker is an error, not a wait without end."""
        if self.options.workers:
            return max(1, min(self.options.workers, shards))
        resources = ray.cluster_resources()
        kind, need = ("GPU", self.gpus) if self.gpus else ("CPU", self.options.cpus_per_worker)
        wanted = math.floor(resources.get(kind, 0) / need)
        if wanted < 1:
            raise ClusterError(f"the cluster has {resources.get(kind, 0):g} {kind}s, a worker "
                               f"needs {need:g} (give --workers if it will grow)")
        return min(wanted, shards)

    def _start_workers(self, count: int) -> None:
        for _ in range(count):
            self.workers.append(self._new_worker())

    def _new_worker(self) -> WorkerSlot:
        remote = _REMOTE_WORKER.options(
            num_cpus=self.options.cpus_per_worker, num_gpus=self.gpus,
            max_restarts=0, max_task_retries=0)  # the driver re-runs what a lost worker had
        actor = remote.remote(self.settings, math.ceil(self.options.cpus_per_worker))
        return WorkerSlot(actor, actor.describe.remote())

    def _worker_started(self, ref: Any) -> None:
        slot = next(s for s in self.workers if s.starting is not None and s.starting == ref)
        try:
            slot.info = ray.get(ref)
        except RayActorError as exc:
            if getattr(exc, "actor_init_failed", False):
                raise ClusterError(f"a worker could not load the models: {_cause_text(exc)}") \
                    from None
            self._replace(slot, exc)
            return
        slot.starting = None
        if slot.info["identity"] != self.identity:
            raise ClusterError(
                f"the worker on {slot.info['host']} loaded other model files than this "
                "machine (same paths, different contents): every node needs the same files")

    def _replace(self, slot: WorkerSlot, exc: BaseException) -> None:
        """A lost worker is killed for good and a new one started (anywhere it fits)."""
        self._lost += 1
        if self._lost > self.options.max_attempts * max(1, len(self.workers)):
            raise ClusterError(f"workers keep dying ({self._lost} lost); last: "
                               f"{_cause_text(exc)}")
        self.workers.remove(slot)
        _kill(slot.actor)
        self.workers.append(self._new_worker())

    def busy_workers(self) -> list[WorkerSlot]:
        """Workers in the middle of a shard (frames of it not returned yet)."""
        return [s for s in self.workers if s.task is not None and s.task.remaining]

    def stop(self) -> None:
        """Kill every worker (their models and shards with them)."""
        for slot in self.workers:
            _kill(slot.actor)
        self.workers.clear()


def _kill(actor: Any) -> None:
    with contextlib.suppress(RayError):  # already gone
        ray.kill(actor, no_restart=True)


def _cause_text(exc: BaseException) -> str:
    """The worker's own exception message, without Ray's traceback wrapping."""
    cause = getattr(exc, "cause", None)
    if isinstance(cause, BaseException):
        return f"{cause}"
    text = str(exc).strip().splitlines()
    return text[-1] if text else type(exc).__name__
