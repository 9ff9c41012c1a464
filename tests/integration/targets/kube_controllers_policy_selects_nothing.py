"""The calico-kube-controllers scenario with a "deny" policy that selects no pod (its selector names a label no
pod has), the mistake that leaves a namespace open.

The clause "a default-deny policy is enforced for the web pods on both workers" is then false: the scenario must
breach ``deny_enforced``.
"""

from typing import Any

import pytest

from kindchaos.cluster import network_policy
from scenarios.calico import test_calico_kube_controllers as scenario

real_deny = network_policy.deny_all_ingress


def deny_selecting_nothing(namespace: str) -> dict[str, Any]:
    policy = real_deny(namespace)
    policy["spec"]["podSelector"] = {"matchLabels": {"app": "no-such-app"}}
    return policy


@pytest.fixture(autouse=True)
def sabotaged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(network_policy, "deny_all_ingress", deny_selecting_nothing)


pytestmark = scenario.pytestmark
test_calico_kube_controllers_down = scenario.test_calico_kube_controllers_down
