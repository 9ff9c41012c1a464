"""kindchaos: Kubernetes failure scenarios for pytest on real kind clusters."""

from kindchaos.errors import (
    BudgetBreached,
    ClaimViolated,
    ClusterError,
    FaultNotInjected,
    InjectionError,
    KindChaosError,
    RestoreError,
    SteadyStateViolated,
)

__all__ = [
    "BudgetBreached",
    "ClaimViolated",
    "ClusterError",
    "FaultNotInjected",
    "InjectionError",
    "KindChaosError",
    "RestoreError",
    "SteadyStateViolated",
]
