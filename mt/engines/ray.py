"""The Ray engine (extra `ray`): the same batches as the local engine, translated by a pool of actors of a
Ray cluster through Ray Data, each actor holding one Translator built once with the CPUs Ray gives it.

A job's batches go to Ray Data in waves of at most ``wave_batches`` (so the driver holds a bounded part of a
large corpus): each wave is a dataset of one row per batch, ``map_batches`` over an actor pool
(:class:`TranslateBatches`, ``compute=ActorPoolStrategy(size=actors)``, ``num_cpus=threads_per_actor``),
read back in input order (``preserve_order``). An actor that dies is restarted and its batch retried
(Ray Data gives its actor pools ``max_restarts=-1`` and ``max_task_retries=-1``: ray/data/_internal/execution/
operators/actor_pool_map_operator.py; an error in the actor's constructor, such as a missing model, is not
retried but fails the job with its message); the runner checks that every batch comes back exactly once, in order.
Models are read from the path given, which every node must see (or a hub id that each node caches).
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import ModuleType
from typing import Iterable, Iterator

from mt.engines.base import Batch, BatchResult, TranslatorSettings, translate_batch
from mt.errors import InputError, TarjamaError
from mt.models.loading import resolve
from mt.models.registry import route

EXTRA_HINT = 'the Ray engine needs the ray extra: pip install "tarjama[ray]"'
WAVE_BATCHES = 2048  # batches per Ray Data dataset at least (64 lines each by default: 131,072 lines) ...
WAVE_BATCHES_PER_ACTOR = 32  # ... and at least this many per actor, so that an actor's model load and a wave's
# tail (actors idle while the last batches finish) stay a few per cent of a wave on a large cluster
CONNECT_TIMEOUT_S = 5.0
HUB_ID = re.compile(r"[\w.-]+/[\w.-]+")


def import_ray():
    """``ray`` and ``ray.data``, or a one-line error naming the extra."""
    try:
        import ray
        import ray.data  # noqa: F401 - ray[data], not only ray core
    except ImportError as error:
        raise InputError(f"{EXTRA_HINT} ({error.name or error} is missing)") from error
    return ray


def check_reachable(address: str, timeout: float = CONNECT_TIMEOUT_S) -> None:
    """Fail in seconds, with one line, where ray.init would retry for minutes: HOST:PORT (or ray://HOST:PORT)
    must accept a TCP connection. 'auto' and 'local' are left to Ray (it fails fast when none runs)."""
    if address in ("auto", "local"):
        return
    target = address.split("://", 1)[-1]
    host, _, port = target.rpartition(":")
    if not host or not port.isdigit():
        raise InputError(f"--ray-address {address!r}: give auto, HOST:PORT or ray://HOST:PORT")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            pass
    except OSError as error:
        raise InputError(f"cannot reach the Ray cluster at {address}: {error.strerror or error}") from error


class TranslateBatches:
    """The callable class of ``map_batches``: one Translator per actor, built in ``__init__`` (model loaded
    once), called with rows of batches (index, texts)."""

    def __init__(self, settings: TranslatorSettings, to: str, threads: int) -> None:
        began = time.perf_counter()
        self.translator = settings.build(threads=threads)
        self.translator.legs(to)
        self.to = to
        self.load_seconds = time.perf_counter() - began
        self.ready_at = time.time()  # wall clock: the driver compares it with its own (same machine or NTP)
        self.first = True

    def __call__(self, rows: dict) -> dict:
        out: dict[str, list] = {
            key: []
            for key in (
                "index",
                "records",
                "translations",
                "sentences",
                "tokens",
                "seconds",
                "worker",
                "load_seconds",
                "ready_at",
            )
        }
        for index, texts in zip(rows["index"], rows["texts"]):
            done = translate_batch(self.translator, Batch(int(index), tuple(str(t) for t in texts)), self.to)
            for key, value in done.to_record().items():
                out[key].append(value)
            out["load_seconds"].append(self.load_seconds if self.first else 0.0)  # counted once per actor
            out["ready_at"].append(self.ready_at)
            self.first = False
        return out


class RayEngine:
    """Translate batches on a Ray cluster (``address``: None starts a local instance on this machine)."""

    name = "ray"

    def __init__(
        self,
        settings: TranslatorSettings,
        to: str,
        *,
        address: str | None = None,
        actors: int | None = None,
        threads_per_actor: int = 1,
        wave_batches: int | None = None,
    ) -> None:
        if actors is not None and actors < 1:
            raise InputError("--actors must be at least 1")
        if threads_per_actor < 1:
            raise InputError("--threads-per-actor must be at least 1")
        self.settings = settings
        self.to = to
        self.address = address
        self.actors = actors
        self.threads_per_actor = threads_per_actor
        self.wave_batches = wave_batches
        self.load_seconds: dict[str, float] = {}  # per actor (host:pid): its model load
        self.start_seconds = 0.0  # connecting (or starting a local instance) when run() started it
        self.ready_at: dict[str, float] = {}  # per actor: when (time.time()) its model was loaded
        self._ray: ModuleType | None = None  # ray, once started
        self._started_ray = False
        self._watchdog: subprocess.Popen | None = None

    def start(self) -> float:
        """Connect to the cluster (or start a local Ray instance); the seconds it took. Actors start with the
        first wave; their model loads are in :attr:`load_seconds`."""
        began = time.perf_counter()
        ray = import_ray()
        self._check_model_paths()
        self._ray = ray
        if not ray.is_initialized():
            if self.address is not None:
                check_reachable(self.address)
            in_main_thread = threading.current_thread() is threading.main_thread()
            on_sigterm = signal.getsignal(signal.SIGTERM) if in_main_thread else None
            try:
                # "local": without --ray-address a new instance, never the cluster that RAY_ADDRESS or the last
                # `ray start` on this machine names (ray.init's None joins it, and the watchdog would then stop it)
                ray.init(
                    address=self.address or "local",
                    include_dashboard=False,
                    logging_level=logging.ERROR,
                    log_to_driver=False,
                )
            except ConnectionError as error:
                raise InputError(
                    f"cannot reach the Ray cluster at {self.address}: {' '.join(str(error).split())[:200]}"
                ) from error
            finally:
                if on_sigterm is not None:  # ray.init installs sys.exit(15) (a stack dump): keep the CLI's one line
                    signal.signal(signal.SIGTERM, on_sigterm)
            self._started_ray = True
            if self.address is None:
                self._watchdog = _start_watchdog(ray)
        for name in ("ray.data", "ray"):  # Ray Data's INFO plan lines and tips are not the user's business
            logging.getLogger(name).setLevel(logging.ERROR)
        context = ray.data.DataContext.get_current()
        context.execution_options.preserve_order = True
        context.enable_progress_bars = False
        if self.actors is None:
            cpus = int(ray.cluster_resources().get("CPU", 1))
            self.actors = max(1, cpus // self.threads_per_actor)
        if self.wave_batches is None:
            self.wave_batches = max(WAVE_BATCHES, WAVE_BATCHES_PER_ACTOR * self.actors)
        return time.perf_counter() - began

    def _check_model_paths(self) -> None:
        """A model given as a path must exist here too (the driver is usually a node that sees the same
        paths): a typo fails in a second with one line, not after the actors are started. Hub ids are left to
        each node's cache."""
        for _, model in route(self.to, self.settings.models):
            if Path(model).expanduser().exists() or not HUB_ID.fullmatch(model):
                resolve(model)

    def _waves(self, batches: Iterable[Batch]) -> Iterator[list[Batch]]:
        wave: list[Batch] = []
        for batch in batches:
            wave.append(batch)
            if len(wave) == self.wave_batches:
                yield wave
                wave = []
        if wave:
            yield wave

    def run(self, batches: Iterable[Batch]) -> Iterator[BatchResult]:
        """The batches' results in order; Ray is started (or joined) with the first batch, so a job the
        translation memory answers whole starts none (:attr:`start_seconds`: what starting took)."""
        pulled = iter(batches)
        first = next(pulled, None)
        if first is None:
            return
        if self._ray is None:
            self.start_seconds = self.start()
        ray, actors = self._ray, self.actors
        if ray is None or actors is None:
            raise RuntimeError("start() connects to Ray and sets the number of actors")
        for wave in self._waves(itertools.chain([first], pulled)):
            items = [{"index": b.index, "texts": list(b.texts)} for b in wave]
            dataset = ray.data.from_items(items, override_num_blocks=len(items)).map_batches(
                TranslateBatches,
                batch_size=1,
                batch_format="numpy",
                fn_constructor_kwargs={"settings": self.settings, "to": self.to, "threads": self.threads_per_actor},
                compute=ray.data.ActorPoolStrategy(size=min(actors, len(items))),
                num_cpus=self.threads_per_actor,
            )
            try:
                for row in dataset.iter_rows():
                    if float(row["load_seconds"]):
                        self.load_seconds[str(row["worker"])] = float(row["load_seconds"])
                    self.ready_at.setdefault(str(row["worker"]), float(row["ready_at"]))
                    yield BatchResult(
                        int(row["index"]),
                        [str(r) for r in row["records"]],
                        [str(t) for t in row["translations"]],
                        int(row["sentences"]),
                        int(row["tokens"]),
                        float(row["seconds"]),
                        str(row["worker"]),
                    )
            except ray.exceptions.RayError as error:
                cause = getattr(error, "cause", None)
                if isinstance(cause, TarjamaError):  # an actor's model or settings error: its own one line
                    raise type(cause)(str(cause)) from error
                raise TarjamaError(f"the Ray job failed: {' '.join(str(error).split())[:300]}") from error

    def close(self) -> None:
        if self._started_ray and self._ray is not None:
            self._ray.shutdown()
        if self._watchdog is not None:  # a clean shutdown: the watchdog has nothing to stop
            try:
                self._watchdog.communicate(b"done\n", timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                self._watchdog.kill()
            self._watchdog = None
        self._started_ray = False
        self._ray = None


def _start_watchdog(ray) -> subprocess.Popen | None:
    """A process outside the driver's group (mt.engines.ray_watchdog) that stops the local Ray instance's
    processes if this driver dies without closing it (SIGKILL), as Ray leaves its agents running then."""
    node = getattr(getattr(ray, "_private", None), "worker", None)
    session = getattr(getattr(node, "_global_node", None), "session_name", None)
    if not session or not os.path.isdir("/proc"):
        return None
    return subprocess.Popen(
        [sys.executable, "-m", "mt.engines.ray_watchdog", session],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
