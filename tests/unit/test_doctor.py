import json
import subprocess
from pathlib import Path

from kindchaos.host import capabilities, doctor


def test_bounding_set_of_these_machines_lacks_sys_resource() -> None:
    status = "Name:\tx\nCapBnd:\t000001fffeffffff\n"
    assert capabilities.missing_capabilities(capabilities.bounding_set(status)) == ["CAP_SYS_RESOURCE"]


def test_full_bounding_set_needs_no_wrapper() -> None:
    assert capabilities.missing_capabilities((1 << len(capabilities.CAPABILITY_NAMES)) - 1) == []


def test_go_version_parsing() -> None:
    assert doctor.go_version("go version go1.26.8 linux/amd64") == (1, 26)
    assert doctor.go_version("go version go1.19.8 linux/amd64") < doctor.MIN_GO
    assert doctor.go_version("nonsense") is None


def test_doctor_reports_fix_and_fails_when_a_check_fails() -> None:
    lines: list[str] = []
    checks = (
        doctor.Check("good", lambda: doctor.Finding(True, "fine")),
        doctor.Check("bad", lambda: doctor.Finding(False, "broken", "do the thing")),
    )
    assert doctor.run_doctor(fix=False, checks=checks, echo=lines.append) is False
    assert lines == ["ok    good: fine", "FAIL  bad: broken; fix: do the thing"]


def test_doctor_fix_repairs_then_rechecks() -> None:
    state = {"fixed": False}
    check = doctor.Check(
        "thing",
        lambda: doctor.Finding(state["fixed"], "fixed" if state["fixed"] else "missing", "fix it"),
        lambda: state.update(fixed=True),
    )
    lines: list[str] = []
    assert doctor.run_doctor(fix=True, checks=(check,), echo=lines.append) is True
    assert lines == ["fixing thing: missing", "ok    thing: fixed"]


def _run_wrapper(tmp_path: Path, argv: list[str]) -> None:
    fake_runc = tmp_path / "runc"
    fake_runc.write_text(f'#!/bin/sh\necho "$@" > {tmp_path}/called\n')
    fake_runc.chmod(0o755)
    wrapper = tmp_path / "wrapper"
    wrapper.write_text(doctor.wrapper_script(real_runc=str(fake_runc), drop=["CAP_SYS_RESOURCE"]))
    wrapper.chmod(0o755)
    subprocess.run([str(wrapper), *argv], check=True, cwd=tmp_path)


def test_wrapper_strips_missing_caps_from_bundle_on_create(tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    caps = ["CAP_CHOWN", "CAP_SYS_RESOURCE", "CAP_SYS_ADMIN"]
    spec = {"process": {"capabilities": {k: caps for k in ("bounding", "effective", "permitted")}}}
    (bundle / "config.json").write_text(json.dumps(spec))
    _run_wrapper(tmp_path, ["--root", "/run/x", "create", "--bundle", str(bundle), "ctr-id"])
    result = json.loads((bundle / "config.json").read_text())
    assert result["process"]["capabilities"]["bounding"] == ["CAP_CHOWN", "CAP_SYS_ADMIN"]
    assert (tmp_path / "called").read_text().split()[-1] == "ctr-id"


def test_wrapper_strips_missing_caps_from_exec_process_file(tmp_path: Path) -> None:
    process = tmp_path / "process.json"
    process.write_text(json.dumps({"capabilities": {"effective": ["CAP_SYS_RESOURCE", "CAP_KILL"]}}))
    _run_wrapper(tmp_path, ["exec", "--process", str(process), "--detach", "ctr-id"])
    assert json.loads(process.read_text())["capabilities"]["effective"] == ["CAP_KILL"]


def test_wrapper_passes_other_commands_through(tmp_path: Path) -> None:
    _run_wrapper(tmp_path, ["--root", "/run/x", "delete", "ctr-id"])
    assert (tmp_path / "called").read_text().strip() == "--root /run/x delete ctr-id"


def test_the_report_s_checks_are_only_what_the_report_needs() -> None:
    names = [check.name for check in doctor.checks_for("report")]
    assert names == ["java", "allure command line", "chromium"]
    assert doctor.checks_for("all") == doctor.CHECKS
