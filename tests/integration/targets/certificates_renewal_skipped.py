"""The expired-certificates scenario with the runbook's ``kubeadm certs renew all`` skipped: the control plane is
restarted on its expired certificates, so the restore's proof (a new verifying client answered) must fail and the
scenario must end as a failed restore, never pass."""

import pytest

from kindchaos.cluster import kubeadm_certs
from kindchaos.cluster.runbook_step import Step
from scenarios.control_plane import test_certificates as scenario

real_renew = kubeadm_certs.renew_all


@pytest.fixture(autouse=True)
def sabotaged(monkeypatch: pytest.MonkeyPatch) -> None:
    def renew_only_short(node: str, config: str) -> Step:
        if config.endswith("-8760h0m0s.yaml"):  # the runbook's renewal, for a year
            return Step("kubeadm certs renew all", "(sabotaged: not run)", "", 0.0)
        return real_renew(node, config)

    monkeypatch.setattr(kubeadm_certs, "renew_all", renew_only_short)


pytestmark = scenario.pytestmark
test_certificates_expire = scenario.test_certificates_expire
