"""A fault is a context manager in four parts: inject, prove, restore, prove restored.

``__enter__`` injects and then proves the effect by observing it; if either
fails the fault is undone and ``FaultNotInjected`` is raised, so a scenario
whose fault did not happen fails instead of passing. ``__exit__`` always
restores and proves the restore, with Ctrl-C and SIGTERM held off until it is
done, and chains a restore failure to whatever ended the block.
"""

from __future__ import annotations

import abc
import time
from collections.abc import Callable
from types import TracebackType
from typing import Any, Literal, Self

from kindchaos import signals
from kindchaos.cluster.node_access import Unsupported
from kindchaos.errors import FaultNotInjected, RestoreError
from kindchaos.faults.expected import Expected
from kindchaos.faults.phases import phase
from kindchaos.observe.timeline import Timeline, TimelineEvent

ProvenHook = Callable[["Fault"], None]


class Fault(abc.ABC):
    """One kind of breakage. Subclasses name the state they create (``NodeStopped``)."""

    def __init__(self, *, timeline: Timeline | None = None) -> None:
        self.timeline = timeline
        self.figures: dict[str, float] = {}
        self.proof: list[str] = []  # what was observed, in words, for the report
        self._times: dict[str, float] = {}
        self.active = False
        self.on_proven: list[ProvenHook] = []  # called once the effect is proven (the evidence layer's triage)

    def triage_expects(self) -> Expected | None:
        """What ``kindchaos triage`` should name while this fault holds; None when a cluster shows nothing
        (a damaged backup file)."""
        return None

    @property
    @abc.abstractmethod
    def title(self) -> str:
        """What the fault does, e.g. ``outage of kube-scheduler on "kc-control-plane"``."""

    @abc.abstractmethod
    def inject(self) -> None: ...

    @abc.abstractmethod
    def prove(self) -> None:
        """Observe that the fault took effect; raise ``AssertionError`` (or time out) if it did not."""

    @abc.abstractmethod
    def restore(self) -> None:
        """Undo the fault. Must be safe to call when inject did nothing or only half of it."""

    @abc.abstractmethod
    def prove_restored(self) -> None:
        """Observe that the fault is undone; raise if it is not."""

    def observed(self, text: str) -> None:
        self.proof.append(text)

    def at(self, phase_name: str) -> float | None:
        """Monotonic time of a phase (inject, proven, restore, restored; ``returned`` for a component outage)."""
        return self._times.get(phase_name)

    def restore_seconds(self) -> float:
        """From the restore's start to its proof: how long the part took to come back."""
        restore, restored = self.at("restore"), self.at("restored")
        if restore is None or restored is None:
            raise AssertionError(f"{self.title}: not restored yet (restore {restore}, restored {restored})")
        return restored - restore

    def _mark(self, phase_name: str, *, at: float | None = None, **detail: Any) -> None:
        """Mark a phase now, or at monotonic time ``at`` when the moment was observed after the fact."""
        self._times[phase_name] = time.monotonic() if at is None else at
        if self.timeline is not None:
            if at is None:
                self.timeline.mark(phase_name, self.title, **detail)
            else:
                wall = time.time() - (time.monotonic() - at)
                self.timeline.append(TimelineEvent(at, wall, "phase", phase_name, self.title, detail))

    def _undo_after_failed_injection(self, cause: BaseException) -> None:
        with signals.deferred():
            try:
                self.restore()
            except Exception as exc:
                raise RestoreError(f"failed to undo a failed injection of {self.title}: {exc}") from cause

    def _after_proven(self) -> None:
        """Run the proven hooks; a hook's failure is recorded, and an interrupt still restores the fault
        (``__exit__`` will not run for a block that was never entered)."""
        for hook in self.on_proven:
            try:
                hook(self)
            except Exception as exc:  # triage is evidence about the fault, never a reason to fail it
                self.observed(f"after the proof, {getattr(hook, '__name__', 'a hook')} failed: {exc}")
            except BaseException:
                self.__exit__(None, None, None)
                raise

    def __enter__(self) -> Self:
        with phase(f"inject: {self.title}"):
            self._mark("inject")
            try:
                self.inject()
            except Unsupported as exc:  # the node's access cannot do this: the scenario is skipped, not failed
                self._undo_after_failed_injection(exc)
                raise
            except Exception as exc:
                self._undo_after_failed_injection(exc)
                raise FaultNotInjected(f"fault not injected: failed to inject {self.title}: {exc}") from exc
            except BaseException as exc:
                self._undo_after_failed_injection(exc)
                raise
        with phase(f"proven: {self.title}"):
            try:
                self.prove()
            except BaseException as exc:
                self._undo_after_failed_injection(exc)
                if isinstance(exc, Exception):
                    raise FaultNotInjected(f"fault not injected: {self.title} was not observed: {exc}") from exc
                raise
            self._mark("proven")
            self.figures["proven_after_s"] = self._times["proven"] - self._times["inject"]
        self.active = True
        self._after_proven()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_val: BaseException | None,
        exc_tb: TracebackType | None,
    ) -> Literal[False]:
        with signals.deferred(), phase(f"restore: {self.title}"):
            self._mark("restore")
            try:
                self.restore()
                self.prove_restored()
            except Exception as exc:
                raise RestoreError(
                    f"failed to restore {self.title}: {exc}", hint="the next scenario's health gate will heal it"
                ) from (exc_val or exc)
            self._mark("restored")
            self.figures["restored_after_s"] = self._times["restored"] - self._times["restore"]
            self.active = False
        return False
