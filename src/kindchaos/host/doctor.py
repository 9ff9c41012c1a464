"""`kindchaos doctor`: every host prerequisite as a check that prints ok or its fix.

Each ``Check`` looks, and (with ``--fix``) repairs what it can: Docker from
Debian, the runtime wrapper where the capability bounding set is short,
dockerd started, inotify limits, and the build tools. Nothing here is needed
by hand on a fresh machine.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from kindchaos.host import capabilities, docker
from kindchaos.host.kernel_tunnels import host_tunnels
from kindchaos.paths import bin_dir, cache_root

WRAPPER_PATH = Path("/usr/local/libexec/kindchaos/runc-capfilter")
INOTIFY_LIMITS = {
    "fs.inotify.max_user_watches": 524288,
    "fs.inotify.max_user_instances": 512,
}
# The tool each package provides: only packages whose tool is absent are installed, so a host that has
# Docker from elsewhere (a CI runner's docker-ce) keeps it.
PACKAGE_TOOLS = {
    "dockerd": "docker.io",
    "containerd": "containerd",
    "runc": "runc",
    "debootstrap": "debootstrap",
    "jq": "jq",
    "iptables": "iptables",
    "ip": "iproute2",
    "ssh": "openssh-client",  # a target cluster reached over SSH
    "ssh-keygen": "openssh-client",
}
ACTIONLINT_MODULE = "github.com/rhysd/actionlint/cmd/actionlint@v1.7.12"
MIN_GO = (1, 24)
ALLURE_NPM = "allure-commandline@2.46.1"


@dataclass(frozen=True)
class Finding:
    ok: bool
    detail: str
    fix: str = ""


@dataclass(frozen=True)
class Check:
    """One prerequisite: how to look, what to tell, how to repair."""

    name: str
    look: Callable[[], Finding]
    repair: Callable[[], None] | None = None


def _apt_install(packages: Sequence[str]) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-qq", *packages], check=True, env=env)


def _absent_packages() -> list[str]:
    return sorted({pkg for tool, pkg in PACKAGE_TOOLS.items() if shutil.which(tool) is None})


def _look_packages() -> Finding:
    absent = _absent_packages()
    if absent:
        return Finding(False, f"missing {', '.join(absent)}", f"apt-get install -y {' '.join(absent)}")
    return Finding(True, "dockerd, containerd, runc, debootstrap, jq, iptables, ip and ssh installed")


def _repair_packages() -> None:
    _apt_install(_absent_packages())


def wrapper_script(*, real_runc: str, drop: Sequence[str]) -> str:
    """The runtime wrapper with the runc path and the capabilities to drop filled in."""
    template = resources.files("kindchaos.host").joinpath("runc-capfilter.sh").read_text()
    return template.replace("@REAL_RUNC@", real_runc).replace("@DROP_JSON@", json.dumps(list(drop)))


def _look_wrapper() -> Finding:
    missing = capabilities.host_missing_capabilities()
    if not missing:
        return Finding(True, "capability bounding set is complete: no runtime wrapper needed")
    config = docker.read_daemon_config()
    installed = WRAPPER_PATH.exists() and config.get("default-runtime") == docker.WRAPPER_RUNTIME
    detail = f"host bounding set lacks {', '.join(missing)}"
    if installed and wrapper_script(real_runc=_real_runc(), drop=missing) == WRAPPER_PATH.read_text():
        return Finding(True, f"{detail}; runtime wrapper {WRAPPER_PATH} is dockerd's default")
    return Finding(False, f"{detail}; privileged containers fail without the runtime wrapper", "kindchaos doctor --fix")


def _real_runc() -> str:
    return shutil.which("runc") or "/usr/sbin/runc"


def _repair_wrapper() -> None:
    missing = capabilities.host_missing_capabilities()
    if not missing:
        return
    WRAPPER_PATH.parent.mkdir(parents=True, exist_ok=True)
    WRAPPER_PATH.write_text(wrapper_script(real_runc=_real_runc(), drop=missing))
    WRAPPER_PATH.chmod(0o755)
    config = docker.with_wrapper_runtime(docker.read_daemon_config(), WRAPPER_PATH)
    docker.DAEMON_JSON.parent.mkdir(parents=True, exist_ok=True)
    new_text = json.dumps(config, indent=2) + "\n"
    old_text = docker.DAEMON_JSON.read_text() if docker.DAEMON_JSON.exists() else ""
    docker.DAEMON_JSON.write_text(new_text)
    print(f"  installed runtime wrapper {WRAPPER_PATH}: drops {', '.join(missing)} (absent from the host bounding set)")
    if new_text != old_text and docker.daemon_running():
        docker.start_daemon()


def _look_daemon() -> Finding:
    if docker.daemon_running():
        version = subprocess.run(
            ["docker", "info", "--format", "{{.ServerVersion}} {{.Driver}} {{.DefaultRuntime}}"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        return Finding(True, f"dockerd answers (version, storage driver, runtime: {version})")
    return Finding(False, "dockerd is not running", "kindchaos doctor --fix")


def _look_inotify() -> Finding:
    low = {}
    for key, want in INOTIFY_LIMITS.items():
        have = int(Path("/proc/sys/" + key.replace(".", "/")).read_text())
        if have < want:
            low[key] = (have, want)
    if low:
        text = ", ".join(f"{k}={h} (< {w})" for k, (h, w) in low.items())
        cmd = " ".join(f"{k}={w}" for k, (_, w) in low.items())
        return Finding(False, text, f"sysctl -w {cmd}")
    return Finding(True, "inotify limits are high enough for several nodes")


def _repair_inotify() -> None:
    for key, want in INOTIFY_LIMITS.items():
        path = Path("/proc/sys/" + key.replace(".", "/"))
        if int(path.read_text()) < want:
            path.write_text(str(want))


def go_version(text: str) -> tuple[int, int] | None:
    """Parse ``go version`` output into (major, minor)."""
    match = re.search(r"go(\d+)\.(\d+)", text)
    return (int(match.group(1)), int(match.group(2))) if match else None


def _look_go() -> Finding:
    if shutil.which("go") is None:
        return Finding(False, "go not found", "install Go >= 1.24 (the machine image ships it in /usr/local/go)")
    text = subprocess.run(["go", "version"], capture_output=True, text=True, check=False).stdout
    found = go_version(text)
    if found is None or found < MIN_GO:
        return Finding(False, f"{text.strip()} is older than go1.24", "install Go >= 1.24")
    return Finding(True, text.strip())


def allure_bin() -> Path:
    return cache_root() / "allure" / "node_modules" / ".bin" / "allure"


def _look_allure() -> Finding:
    if allure_bin().exists():
        return Finding(True, f"Allure command line at {allure_bin()}")
    if shutil.which("npm") is None:
        return Finding(False, "npm not found", "apt-get install -y npm")
    return Finding(
        False,
        "Allure command line not installed",
        f"npm install --prefix {allure_bin().parents[2]} {ALLURE_NPM}",
    )


def _repair_allure() -> None:
    prefix = allure_bin().parents[2]
    prefix.mkdir(parents=True, exist_ok=True)
    subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(prefix), ALLURE_NPM], check=True)


def _look_java() -> Finding:
    if shutil.which("java") is None:
        return Finding(
            False,
            "java not found (the Allure 2 command line needs it)",
            "apt-get install -y default-jre-headless",
        )
    return Finding(True, "java present for the Allure command line")


# Chromium and the fonts a Korean answer sheet and the report's status marks need in a screenshot.
BROWSER_PACKAGES = ("chromium", "fonts-noto-cjk", "fonts-noto-color-emoji")
FONT_FILES = (Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"), Path("/usr/share/fonts/truetype/noto"))


def _look_chromium() -> Finding:
    found = shutil.which("chromium")
    fix = f"apt-get install -y {' '.join(BROWSER_PACKAGES)}"
    if found is None:
        return Finding(False, "chromium not found (needed to look at the report)", fix)
    if not all(path.exists() for path in FONT_FILES):
        return Finding(False, "CJK or emoji fonts missing (Korean text would show as boxes)", fix)
    return Finding(True, f"Chromium at {found} with CJK and emoji fonts, for looking at the report")


def actionlint_bin() -> Path:
    return bin_dir() / "actionlint"


def _look_actionlint() -> Finding:
    if actionlint_bin().exists():
        return Finding(True, f"actionlint at {actionlint_bin()} for the workflow files")
    return Finding(False, "actionlint not built", f"GOBIN={bin_dir()} go install {ACTIONLINT_MODULE}")


def _repair_actionlint() -> None:
    bin_dir().mkdir(parents=True, exist_ok=True)
    subprocess.run(["go", "install", ACTIONLINT_MODULE], check=True, env={**os.environ, "GOBIN": str(bin_dir())})


def _look_disk() -> Finding:
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    free_gb = shutil.disk_usage(root).free / 1e9
    if free_gb < 15:
        return Finding(False, f"{free_gb:.0f} GB free under {root}", "free at least 15 GB for the image build")
    return Finding(True, f"{free_gb:.0f} GB free under {root}")


def _look_tunnels() -> Finding:
    """Calico clusters need VXLAN from the host's kernel; IPIP (the seed's pool mode) is reported, not required."""
    tunnels = {t.name: t for t in host_tunnels()}
    detail = "; ".join(f"{t.name}: {'yes' if t.usable else 'no'} ({t.how})" for t in tunnels.values())
    if not tunnels["vxlan"].usable:
        return Finding(False, detail, "a kernel with CONFIG_VXLAN (Calico clusters tunnel pod traffic over VXLAN)")
    ipip = "IPIP pools can work here" if tunnels["ipip"].usable else "IPIP pools cannot work here: Calico uses VXLAN"
    return Finding(True, f"{detail}; {ipip}")


CHECKS: tuple[Check, ...] = (
    Check("packages", _look_packages, _repair_packages),
    Check("runtime wrapper", _look_wrapper, _repair_wrapper),
    Check("docker daemon", _look_daemon, docker.start_daemon),
    Check("inotify limits", _look_inotify, _repair_inotify),
    Check("go toolchain", _look_go),
    Check("java", _look_java, lambda: _apt_install(["default-jre-headless"])),
    Check("allure command line", _look_allure, _repair_allure),
    Check("chromium", _look_chromium, lambda: _apt_install(BROWSER_PACKAGES)),
    Check("actionlint", _look_actionlint, _repair_actionlint),
    Check("disk space", _look_disk),
    Check("pod tunnels", _look_tunnels),
)


# What `kindchaos report` and `kindchaos answers` need, and nothing that runs clusters: a nightly's merge job.
REPORT_CHECKS = ("java", "allure command line", "chromium")


def checks_for(purpose: str) -> tuple[Check, ...]:
    """Every check (``all``), or only those the report needs (``report``)."""
    if purpose == "report":
        return tuple(check for check in CHECKS if check.name in REPORT_CHECKS)
    return CHECKS


def run_doctor(*, fix: bool, checks: Sequence[Check] = CHECKS, echo: Callable[[str], None] = print) -> bool:
    """Run each check, repairing it when ``fix`` is set; True when all end ok."""
    all_ok = True
    for check in checks:
        finding = check.look()
        if not finding.ok and fix and check.repair is not None:
            echo(f"fixing {check.name}: {finding.detail}")
            check.repair()
            finding = check.look()
        if finding.ok:
            echo(f"ok    {check.name}: {finding.detail}")
        else:
            all_ok = False
            echo(f"FAIL  {check.name}: {finding.detail}; fix: {finding.fix}")
    return all_ok
