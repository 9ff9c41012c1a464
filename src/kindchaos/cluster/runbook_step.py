"""One step of an operator's runbook as the report shows it, for every runbook (stacked or external etcd)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    """One runbook command: its command line as the report shows it, what it printed, and how long it took."""

    title: str
    command: str
    output: str
    seconds: float

    def text(self) -> str:
        return f"$ {self.command}\n{self.output}".rstrip()
