"""Hooks around each fault phase, so the evidence layer can open a report step per phase.

Faults sit below the evidence layer and must not import Allure; the evidence
layer registers a hook here instead. Without hooks a phase is just a progress line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager

from kindchaos.progress import Status

PhaseHook = Callable[[str], AbstractContextManager[object]]
_hooks: list[PhaseHook] = []
_status = Status()


def add_phase_hook(hook: PhaseHook) -> None:
    if hook not in _hooks:
        _hooks.append(hook)


def remove_phase_hook(hook: PhaseHook) -> None:
    if hook in _hooks:
        _hooks.remove(hook)


@contextmanager
def phase(title: str) -> Iterator[None]:
    """Run a block as one named phase: a progress line and every registered hook around it."""
    with ExitStack() as stack:
        stack.enter_context(_status.step(title))
        for hook in list(_hooks):
            stack.enter_context(hook(title))
        yield
