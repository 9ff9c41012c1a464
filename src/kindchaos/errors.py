"""Two error families: a broken claim is a test failure, a tool problem is not.

``ClaimViolated`` subclasses ``AssertionError`` so Allure shows it as *failed*;
everything under ``KindChaosError`` shows as *broken*. Messages read
``failed to <verb> <thing>`` and, where the user can fix it, end with a hint.
"""

from __future__ import annotations


class KindChaosError(Exception):
    """A problem with the tool or the host, not with the claim under test."""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(f"{message} (fix: {hint})" if hint else message)


class HostError(KindChaosError):
    """The host lacks something the project needs (Docker, Go, a sysctl)."""


class BuildError(KindChaosError):
    """An image build step failed."""


class ClusterError(KindChaosError):
    """A cluster could not be created, reached, healed or deleted."""


class UsageError(KindChaosError):
    """A bad option value or argument."""


class InjectionError(KindChaosError):
    """A fault could not be injected or its effect could not be proven."""


class RestoreError(KindChaosError):
    """A fault could not be undone or its undoing could not be proven."""


class ObserverStopped(KindChaosError):
    """A probe, history recorder or watch ended before the scenario stopped it: its figures would be incomplete."""


class ClaimViolated(AssertionError):
    """A scenario's claim did not hold."""


class FaultNotInjected(ClaimViolated):
    """The fault's effect was never observed, so the scenario proves nothing."""


class BudgetBreached(ClaimViolated):
    """Recovery happened, but later than the stated budget."""


class SteadyStateViolated(ClaimViolated):
    """An invariant that must hold before or during the fault did not."""
