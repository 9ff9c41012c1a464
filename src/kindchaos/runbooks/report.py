"""A runbook's steps in the evidence: each command and its output attached, each step's time a figure."""

from __future__ import annotations

import re

from kindchaos.cluster.runbook_step import Step
from kindchaos.evidence.scenario import ChaosRun


def slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")


def attach_runbook(chaos: ChaosRun, steps: list[Step], *, prefix: str = "runbook") -> None:
    for step in steps:
        chaos.attach_text(step.text(), name=f"{prefix}: {step.title}")
        chaos.figure(f"{prefix}_{slug(step.title)}_s", step.seconds, note=step.command)
