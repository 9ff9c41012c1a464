"""Running host commands with errors that name the command and its output."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence

from kindchaos.errors import KindChaosError


class CommandFailed(KindChaosError):
    """A host command exited non-zero."""

    def __init__(self, argv: Sequence[str], returncode: int, output: str) -> None:
        self.argv = list(argv)
        self.returncode = returncode
        self.output = output
        tail = "\n".join(output.strip().splitlines()[-15:])
        super().__init__(f"command {_quote(argv)} exited {returncode}: {tail}")


def _quote(argv: Sequence[str]) -> str:
    text = " ".join(argv)
    return text if len(text) < 200 else text[:200] + " ..."


def run(
    argv: Sequence[str],
    *,
    input: str | bytes | None = None,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    timeout: float | None = None,
    check: bool = True,
) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` capturing stdout and stderr as text."""
    full_env = {**os.environ, **env} if env else None
    data = input.decode() if isinstance(input, bytes) else input
    proc = subprocess.run(
        list(argv),
        input=data,
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=timeout,
        check=False,
    )
    if check and proc.returncode != 0:
        raise CommandFailed(argv, proc.returncode, proc.stdout + proc.stderr)
    return proc


def output(argv: Sequence[str], **kwargs: object) -> str:
    """Run ``argv`` and return its stripped stdout."""
    return run(argv, **kwargs).stdout.strip()  # type: ignore[arg-type]


def stream(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike[str] | None = None,
    log: str | os.PathLike[str] | None = None,
) -> None:
    """Run a long command, sending its output to ``log`` (kept for the error)."""
    full_env = {**os.environ, **env} if env else None
    if log is None:
        run(argv, env=env, cwd=cwd)
        return
    with open(log, "w") as fh:
        proc = subprocess.run(list(argv), stdout=fh, stderr=subprocess.STDOUT, env=full_env, cwd=cwd, check=False)
    if proc.returncode != 0:
        with open(log) as fh:
            text = fh.read()
        raise CommandFailed(argv, proc.returncode, text + f"\n(full log: {log})")
