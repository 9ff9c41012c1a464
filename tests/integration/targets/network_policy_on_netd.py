"""The NetworkPolicy scenario on a netd cluster, which enforces no policy (its marker for Calico left off).

The clause "a default deny is enforced within 15 s" is then false: the scenario must fail on ``deny_enforced``
(budget breached), the policy applied and nothing refused.
"""

from scenarios.calico import test_network_policy as scenario

pytestmark = [m for m in scenario.pytestmark if m.name != "cni"]
test_network_policy_enforced_on_both_workers = scenario.test_network_policy_enforced_on_both_workers
