"""``kindchaos triage``: a read-only look at a cluster that names what is broken and the step that fixes it.

``target`` says what to look at, ``sources`` gather (each bounded in time), ``diagnose`` turns facts into
findings, ``render`` prints them; ``run.triage`` does all of it once.
"""

from kindchaos.triage.diagnose import DEGRADED, DOWN, HEALTHY, Diagnosis, Finding
from kindchaos.triage.run import Triage, triage

__all__ = ["DEGRADED", "DOWN", "HEALTHY", "Diagnosis", "Finding", "Triage", "triage"]
