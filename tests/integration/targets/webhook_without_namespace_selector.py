"""The webhook scenario with the Fail webhook registered without its ``namespaceSelector``: it then applies to every
namespace, so while its backend is gone creates outside its intended scope are refused too and
``outside_accepted`` must fail."""

import pytest

from kindchaos.cluster import admission_webhook
from kindchaos.cluster.lifecycle import Cluster
from scenarios.control_plane import test_admission_webhook as scenario

real_deploy = admission_webhook.deploy


@pytest.fixture(autouse=True)
def sabotaged(monkeypatch: pytest.MonkeyPatch) -> None:
    def unscoped(cluster: Cluster, suffix: str, *, scoped: bool = True) -> admission_webhook.WebhookSetup:
        return real_deploy(cluster, suffix, scoped=False)

    monkeypatch.setattr(admission_webhook, "deploy", unscoped)


pytestmark = scenario.pytestmark
webhook_setup = scenario.webhook_setup
test_webhook_backend_gone = scenario.test_webhook_backend_gone
