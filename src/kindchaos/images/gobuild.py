"""Go builds from the module proxy.

``go install`` refuses modules whose go.mod has relative ``replace``
directives (Kubernetes, etcd). Those are downloaded, copied out, their
relative replaces re-pointed at the published module versions, and built
with ``go build``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from kindchaos import shell

GO_ENV = {"GOFLAGS": "-mod=mod", "GOWORK": "off", "CGO_ENABLED": "0"}


def download_module(path: str, version: str, *, pinned_sum: str | None = None) -> Path:
    """Download ``path@version`` into the module cache and return its directory. With ``pinned_sum`` the
    checksum database is not asked about this one module (it does not know it); the download is checked
    against the pinned sum instead."""
    env = {**GO_ENV, "GONOSUMDB": path} if pinned_sum else GO_ENV
    with tempfile.TemporaryDirectory() as scratch:
        out = shell.output(["go", "mod", "download", "-json", f"{path}@{version}"], env=env, cwd=scratch)
    info = json.loads(out)
    if info.get("Error"):
        raise shell.CommandFailed(["go", "mod", "download", f"{path}@{version}"], 1, info["Error"])
    if pinned_sum and info.get("Sum") != pinned_sum:
        raise ValueError(f"{path}@{version} downloaded with sum {info.get('Sum')}, pinned {pinned_sum}")
    return Path(info["Dir"])


def relative_replaces(go_mod_json: Mapping[str, object]) -> list[tuple[str, str]]:
    """(module, target) for each replace that points into the module's own tree."""
    found = []
    for entry in go_mod_json.get("Replace") or []:  # type: ignore[attr-defined]
        new_path = entry["New"]["Path"]
        if new_path.startswith(("./", "../")):
            found.append((entry["Old"]["Path"], new_path))
    return found


PLACEHOLDER_VERSION = "v0.0.0"  # Kubernetes requires its staging modules at this and replaces them


def required_versions(go_mod_json: Mapping[str, object]) -> dict[str, str]:
    """module -> the version the go.mod requires, where it names a real one."""
    requires = go_mod_json.get("Require") or []
    return {r["Path"]: r["Version"] for r in requires if r["Version"] != PLACEHOLDER_VERSION}  # type: ignore[attr-defined]


def repoint_replace_args(
    replaces: Iterable[tuple[str, str]], version: str, required: Mapping[str, str] | None = None
) -> list[str]:
    """``go mod edit`` arguments: relative replaces -> the published version the go.mod requires (else
    ``version``: etcd 3.5's ``client/v2`` is required at v2.305.x, not at etcd's own v3.5.x); FORBIDDEN ones
    dropped."""
    args = []
    for module, target in replaces:
        if "FORBIDDEN" in target:
            args.append(f"-dropreplace={module}")
        else:
            args.append(f"-replace={module}={module}@{(required or {}).get(module, version)}")
    return args


def copy_out(source: Path, workdir: Path) -> None:
    """A writable copy of a module from the (read-only) module cache."""
    if workdir.exists():
        shutil.rmtree(workdir)
    shutil.copytree(source, workdir)
    for root, dirs, files in os.walk(workdir):
        for name in dirs + files:
            os.chmod(os.path.join(root, name), 0o755 if name in dirs else 0o644)
    os.chmod(workdir, 0o755)


def prepare_module(path: str, version: str, *, workdir: Path, replace_version: str) -> Path:
    """Copy a module out of the cache and make it buildable on its own."""
    copy_out(download_module(path, version), workdir)
    go_mod = json.loads(shell.output(["go", "mod", "edit", "-json"], env=GO_ENV, cwd=workdir))
    edits = repoint_replace_args(relative_replaces(go_mod), replace_version, required_versions(go_mod))
    if edits:
        shell.run(["go", "mod", "edit", *edits], env=GO_ENV, cwd=workdir)
    return workdir


def build(
    module_dir: Path,
    packages: Mapping[str, str],
    out_dir: Path,
    *,
    ldflags: str = "-s -w",
    log: Path | None = None,
) -> None:
    """Build each ``{binary name: package}`` of ``module_dir`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for binary, package in packages.items():
        shell.stream(
            ["go", "build", "-trimpath", "-ldflags", ldflags, "-o", str(out_dir / binary), package],
            env=GO_ENV,
            cwd=module_dir,
            log=log,
        )


def install(package: str, version: str, out_dir: Path, *, log: Path | None = None) -> None:
    """``go install package@version`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    shell.stream(
        ["go", "install", "-trimpath", "-ldflags", "-s -w", f"{package}@{version}"],
        env={**GO_ENV, "GOFLAGS": "", "GOBIN": str(out_dir)},
        log=log,
    )


def kubernetes_ldflags(*, version: str, commit: str) -> str:
    """The version ldflags ``hack/lib/version.sh`` sets; kubeadm checks them."""
    major, minor = version.removeprefix("v").split(".")[:2]
    values = {
        "gitVersion": version,
        "gitMajor": major,
        "gitMinor": minor,
        **({"gitCommit": commit} if commit else {}),
        "gitTreeState": "clean",
        "buildDate": "2025-01-01T00:00:00Z",
    }
    flags = ["-s", "-w"]
    for package in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        flags += [f"-X {package}.{name}={value}" for name, value in values.items()]
    return " ".join(flags)
