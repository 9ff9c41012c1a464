"""The files Allure reads beside the results: categories.json and environment.properties.

allure-pytest writes neither. Categories split failures the way a reader
triages them: the fault never happened, recovery was too slow, an invariant
broke, or the tooling itself failed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

CATEGORIES = [
    {
        "name": "Fault not injected",
        "description": "The fault's effect was never observed, so the scenario proves nothing.",
        "matchedStatuses": ["failed", "broken"],
        "messageRegex": "(?s).*fault not injected.*",
    },
    {
        "name": "Restore failed",
        "description": "The fault was not undone: its restore, or the runbook that is its restore, did not bring "
        "the cluster back, as the restore's own proof shows.",
        "matchedStatuses": ["failed", "broken"],
        "messageRegex": "(?s)^(?!.*fault not injected).*failed to restore.*",
    },
    {
        "name": "Recovery budget breached",
        "description": "The cluster recovered, but later than the claim's budget (see --budget-scale).",
        "matchedStatuses": ["failed"],
        "messageRegex": "(?s).*budget breached.*",
    },
    {
        "name": "Steady state violated",
        "description": "An invariant the claim names did not hold before or during the fault.",
        "matchedStatuses": ["failed"],
        "messageRegex": "(?s)^(?!.*(fault not injected|budget breached|failed to restore)).*",
    },
    {
        "name": "Infrastructure error",
        "description": "The tool, Docker or the cluster failed; the claim was not tested.",
        "matchedStatuses": ["broken"],
        "messageRegex": "(?s)^(?!.*(fault not injected|failed to restore)).*",
    },
]


def write_categories(results_dir: Path) -> Path:
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / "categories.json"
    path.write_text(json.dumps(CATEGORIES, indent=2) + "\n")
    return path


def write_environment(results_dir: Path, values: dict[str, str]) -> Path:
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / "environment.properties"
    lines = [f"{key}={str(value).replace(chr(10), ' ')}" for key, value in values.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def environment(*, topologies: list[str], budget_scale: float) -> dict[str, str]:
    from kindchaos.images.pins import DEFAULT_REFS, DEFAULT_VERSIONS

    return {
        "Kubernetes": DEFAULT_VERSIONS.kubernetes,
        "kind": DEFAULT_VERSIONS.kind,
        "etcd": DEFAULT_VERSIONS.etcd,
        "node.image": DEFAULT_REFS.node,
        "topologies": ",".join(topologies) or "none",
        "host.cores": str(os.cpu_count()),
        "budget.scale": f"{budget_scale:g}",
    }
