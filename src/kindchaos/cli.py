"""The `kindchaos` command: doctor, images, clusters, triage, report, answers, evidence."""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kindchaos import signals
from kindchaos.errors import KindChaosError, UsageError
from kindchaos.questions import LANGUAGES

DEFAULT_RESULTS_FOLDER = "reports/allure-results"
DEFAULT_FINDINGS_FILE = "reports/findings.json"


def _doctor(args: argparse.Namespace) -> int:
    from kindchaos.host.doctor import checks_for, run_doctor

    return 0 if run_doctor(fix=args.fix, checks=checks_for(args.purpose)) else 1


def _images_build(args: argparse.Namespace) -> int:
    from kindchaos.images.build import build

    seconds = build(upgrade=not args.no_upgrade, with_calico=not args.no_calico)
    print(f"images ready in {seconds:.1f}s")
    return 0


def _images_status(args: argparse.Namespace) -> int:
    from kindchaos.host.docker import require_daemon
    from kindchaos.images.build import step_states

    require_daemon()
    states = step_states(upgrade=not args.no_upgrade, with_calico=not args.no_calico)
    for name, done in states:
        print(f"{'built  ' if done else 'MISSING'} {name}")
    return 0 if all(done for _, done in states) else 1


def _images_save(args: argparse.Namespace) -> int:
    from kindchaos.host.docker import require_daemon
    from kindchaos.images.docker_images import built_images, save

    require_daemon()
    refs = built_images()
    if not refs:
        raise UsageError("no built images to save", hint="run `kindchaos images build` first")
    save(refs, Path(args.archive))
    print(f"saved {len(refs)} images to {args.archive} ({Path(args.archive).stat().st_size / 1e9:.2f} GB)")
    return 0


def _images_load(args: argparse.Namespace) -> int:
    from kindchaos.host.docker import require_daemon
    from kindchaos.images.docker_images import load

    require_daemon()
    if not Path(args.archive).is_file():
        raise UsageError(f"no image archive at {args.archive}", hint="make one with `kindchaos images save`")
    print(f"loaded {len(load(Path(args.archive)))} images from {args.archive}")
    return 0


def _clusters_create(args: argparse.Namespace) -> int:
    from kindchaos.cluster.lifecycle import create_or_reuse
    from kindchaos.cluster.readiness import wait_ready
    from kindchaos.cluster.topology import topology_named

    topology = topology_named(args.topology).with_cni(args.cni)
    cluster = create_or_reuse(topology, name=args.name, image=args.image)
    waited = wait_ready(cluster)
    made = "reused" if cluster.created_seconds is None else f"created in {cluster.created_seconds:.1f}s"
    print(f"cluster {cluster.name!r} ({topology.name}) {made}; ready after {waited.seconds:.1f}s more")
    if cluster.etcd_seconds:
        steps = ", ".join(f"{step} {seconds:.1f}s" for step, seconds in cluster.etcd_seconds.items())
        print(f"external etcd ({len(cluster.etcd.members) if cluster.etcd else 0} members): {steps}")
    print(f"kubeconfig: {cluster.kubeconfig}")
    return 0


def _clusters_delete(args: argparse.Namespace) -> int:
    from kindchaos.cluster.lifecycle import delete_cluster, tool_paths
    from kindchaos.cluster.topology import topology_named

    name = args.name or topology_named(args.topology).with_cni(args.cni).default_cluster_name()
    kind_path, _ = tool_paths()
    removed = delete_cluster(name, kind_path=kind_path)
    print(f"deleted cluster {name!r}" + (f" and its external etcd: {', '.join(removed)}" if removed else ""))
    return 0


def _clusters_ssh_target(args: argparse.Namespace) -> int:
    import subprocess
    import tempfile

    from kindchaos.cluster.lifecycle import existing_clusters, tool_paths
    from kindchaos.cluster.ssh_nodes import write_target

    kind_path, _ = tool_paths()
    if args.name not in existing_clusters(kind_path):
        raise UsageError(f"no kind cluster named {args.name!r}", hint="create one: kindchaos clusters create single")

    def kind(*argv: str) -> str:
        return subprocess.run([str(kind_path), *argv, "--name", args.name], capture_output=True, text=True).stdout

    with tempfile.TemporaryDirectory() as scratch:
        kubeconfig = Path(scratch) / "kubeconfig"
        kubeconfig.write_text(kind("get", "kubeconfig"))
        nodes = sorted(kind("get", "nodes").split())
        opened = write_target(cluster=args.name, nodes=nodes, kubeconfig=kubeconfig, output=Path(args.output))
    print(f"target {opened.target_file}: {len(opened.hosts)} nodes over SSH as root (key {opened.key})")
    return 0


def _clusters_list(args: argparse.Namespace) -> int:
    from kindchaos.cluster.lifecycle import existing_clusters, tool_paths

    kind_path, _ = tool_paths()
    for name in existing_clusters(kind_path):
        print(name)
    return 0


def _report(args: argparse.Namespace) -> int:
    from kindchaos.evidence.allure_report import generate, scenario_uid
    from kindchaos.host.doctor import allure_bin

    results = [Path(folder) for folder in args.results or [DEFAULT_RESULTS_FOLDER]]
    summary = generate(results, Path(args.output), allure=allure_bin())
    print(summary.line())
    if args.screenshots:
        from kindchaos.evidence.report_browser import look_at

        view = look_at(summary.report, Path(args.screenshots), test_uid=scenario_uid(summary.report, args.scenario))
        print(f"screenshots: {view.overview_png}, {view.scenario_png}")
    return 0


def _findings_document(paths: list[str] | None) -> tuple[Path, dict[str, Any]]:
    """One findings file as it is, or several shards' files merged into one run."""
    from kindchaos.answers.shards import merge_shards
    from kindchaos.answers.sheet import read_findings

    chosen = [Path(path) for path in paths or [DEFAULT_FINDINGS_FILE]]
    if len(chosen) == 1:
        return chosen[0], read_findings(chosen[0])
    return Path(" + ".join(map(str, chosen))), merge_shards(chosen)


def _answers(args: argparse.Namespace) -> int:
    from kindchaos.answers.render import write
    from kindchaos.answers.sheet import CONFIRMED, FAILED, NOT_RUN, SKIPPED, build_sheet

    source, document = _findings_document(args.findings)
    sheet = build_sheet(document, lang=args.lang, source=source)
    md_path, html_path = write(sheet, Path(args.output))
    print(
        f"answer sheet ({args.lang}): {md_path} and {html_path}; {sheet.count(CONFIRMED)} confirmed, "
        f"{sheet.count(FAILED)} failed, {sheet.count(SKIPPED) + sheet.count(NOT_RUN)} not run"
    )
    return 0


def _evidence_save(args: argparse.Namespace) -> int:
    from kindchaos.evidence.quoted import save

    path = save(Path(args.findings), args.run, root=Path(args.root))
    print(f"saved {path} ({path.stat().st_size / 1e3:.0f} kB) and {path.parent / 'tables.md'}")
    return 0


def _evidence_merge(args: argparse.Namespace) -> int:
    import json

    from kindchaos.answers.shards import merge_shards

    if len(args.findings) < 2:
        raise UsageError("merging needs two or more shards' findings files", hint="pass each shard's findings.json")
    document = merge_shards([Path(path) for path in args.findings])
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(document, indent=2, default=str) + "\n")
    shards = ", ".join(f"{shard['source']} ran {shard['ran']}" for shard in document["run"]["shards"])
    print(f"merged {len(args.findings)} shards into {output}: {len(document['findings'])} scenarios ({shards})")
    return 0


def _evidence_table(args: argparse.Namespace) -> int:
    from kindchaos.evidence.quoted import table

    print(table(Path(args.findings), figures=args.figures), end="")
    return 0


def _evidence_compare(args: argparse.Namespace) -> int:
    from kindchaos.evidence.compare import compare, latest, markdown, run_results

    bases = [Path(p) for p in args.base]
    missing = [str(p) for p in [Path(args.findings), *bases] if not p.is_file()]
    if missing:
        raise UsageError(f"no findings file at {', '.join(missing)}", hint="pass docs/evidence/<run>/findings.json")
    comparison = compare(latest(bases), run_results(Path(args.findings)), factor=args.factor, floor=args.floor)
    label = args.base_label or ("the base" if len(bases) > 1 else bases[0].parent.name)
    other = args.label or Path(args.findings).parent.name
    print(markdown(comparison, base_label=label, other_label=other, factor=args.factor, floor=args.floor), end="")
    return 0


def _evidence_readme(args: argparse.Namespace) -> int:
    from kindchaos.evidence.quoted import refresh_readme

    changed = refresh_readme(Path(args.readme), root=Path(args.root), write=not args.check)
    if args.check and changed:
        runs = ", ".join(changed)
        print(
            f"kindchaos: {args.readme} differs from the evidence of {runs} (fix: kindchaos evidence readme)",
            file=sys.stderr,
        )
        return 1
    print(f"{args.readme}: " + (f"updated from {', '.join(changed)}" if changed else "every evidence block current"))
    return 0


def _triage(args: argparse.Namespace) -> int:
    from contextlib import AbstractContextManager, nullcontext

    from kindchaos.cluster.lifecycle import tool_paths
    from kindchaos.triage import triage
    from kindchaos.triage.render import EXIT_CODES, as_json, human
    from kindchaos.triage.target import Target, from_kind_cluster, from_kubeconfig

    if args.cluster and args.kubeconfig:
        raise UsageError("--cluster and --kubeconfig name two clusters", hint="pass one of them")
    if args.deadline <= 0:
        raise UsageError(f"--deadline {args.deadline} is not a time limit", hint="pass a number of seconds above 0")
    chosen: AbstractContextManager[Target]
    if args.kubeconfig:
        chosen = nullcontext(from_kubeconfig(Path(args.kubeconfig)))
    else:
        try:
            kind_path: Path | None = tool_paths()[0]
        except KindChaosError:
            kind_path = None
        chosen = from_kind_cluster(args.cluster or "kindchaos-single", kind_path=kind_path)
    with chosen as target:
        if target.no_machines:
            print(f"kindchaos: node access: {target.no_machines}", file=sys.stderr)
        result = triage(target, deadline_s=args.deadline)
    api = result.facts.api
    if api is not None and api.status is None:
        print(
            f"kindchaos: the API at {api.url} did not answer ({api.detail}) (fix: check that the cluster runs and "
            "the kubeconfig's server is right; the report below shows what the nodes say)",
            file=sys.stderr,
        )
    print(as_json(result) if args.json else human(result), end="")
    return EXIT_CODES[result.diagnosis.status]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kindchaos", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    doctor = sub.add_parser("doctor", help="check the host; --fix installs and starts what is missing")
    doctor.add_argument("--fix", action="store_true", help="repair what can be repaired")
    doctor.add_argument(
        "--for",
        dest="purpose",
        choices=("all", "report"),
        default="all",
        help="all: everything the catalogue needs (default); report: only what the report and answer sheets need",
    )
    doctor.set_defaults(func=_doctor)

    images = sub.add_parser("images", help="build the air-gapped images, or list what is built")
    images_sub = images.add_subparsers(dest="images_command", required=True)
    for verb, func, text in (
        ("build", _images_build, "build every missing image (cached by pinned inputs)"),
        ("status", _images_status, "list what is built and what is missing"),
    ):
        command = images_sub.add_parser(verb, help=text)
        command.add_argument(
            "--no-upgrade",
            action="store_true",
            help="leave out the upgrade drill's node image (the previous minor with this one staged)",
        )
        command.add_argument(
            "--no-calico",
            action="store_true",
            help="leave out Calico's images and the node image that pre-loads them (clusters with --cni calico)",
        )
        command.set_defaults(func=func)
    for verb, func, text in (
        ("save", _images_save, "write every built image into one archive (for a CI cache)"),
        ("load", _images_load, "load an archive written by `images save`; a later build finds them done"),
    ):
        archive = images_sub.add_parser(verb, help=text)
        archive.add_argument("archive", help="the .tar archive")
        archive.set_defaults(func=func)

    clusters = sub.add_parser("clusters", help="create, delete or list kind clusters of a topology")
    clusters_sub = clusters.add_subparsers(dest="clusters_command", required=True)
    for verb, func in (("create", _clusters_create), ("delete", _clusters_delete)):
        cmd = clusters_sub.add_parser(verb, help=f"{verb} a cluster")
        cmd.add_argument("topology", help="single, ha or ha-external")
        cmd.add_argument("--name", default=None, help="cluster name (default kindchaos-<topology>[-calico])")
        cmd.add_argument(
            "--cni",
            default="netd",
            choices=["netd", "calico"],
            help="the pod network: the project's netd (default) or Calico (VXLAN, the seed's IPPool)",
        )
        if verb == "create":
            cmd.add_argument("--image", default=None, help="node image (default the locally built one)")
        cmd.set_defaults(func=func)
    clusters_sub.add_parser("list", help="list kind clusters").set_defaults(func=_clusters_list)
    ssh_target = clusters_sub.add_parser(
        "ssh-target", help="start sshd on a kind cluster's nodes and write a target file that reaches them over SSH"
    )
    ssh_target.add_argument("name", help="a kind cluster this project made, e.g. kindchaos-single")
    ssh_target.add_argument("--output", required=True, help="an empty folder for target.yaml, its key and kubeconfig")
    ssh_target.set_defaults(func=_clusters_ssh_target)

    report = sub.add_parser("report", help="turn Allure results into an HTML report, keeping the trend history")
    report.add_argument(
        "--results",
        action="append",
        help=f"an Allure results folder; repeat it to merge shards into one report (default: {DEFAULT_RESULTS_FOLDER})",
    )
    report.add_argument("--output", default="reports/allure-report", help="report folder (default: %(default)s)")
    report.add_argument("--screenshots", default=None, help="also screenshot the report in Chromium into this folder")
    report.add_argument("--scenario", default=None, help="the scenario page to screenshot (default: the longest)")
    report.set_defaults(func=_report)

    answers = sub.add_parser("answers", help="write the answer sheet (Markdown and HTML) from the last run's findings")
    answers.add_argument(
        "--findings",
        action="append",
        help=f"a findings file; repeat it to merge shards into one sheet (default: {DEFAULT_FINDINGS_FILE})",
    )
    answers.add_argument("--lang", choices=LANGUAGES, default="en", help="sheet language (default: %(default)s)")
    answers.add_argument("--output", default="reports/answers", help="where the sheet goes (default: %(default)s)")
    answers.set_defaults(func=_answers)

    evidence = sub.add_parser("evidence", help="commit a run's findings and make the README's tables from them")
    evidence_sub = evidence.add_subparsers(dest="evidence_command", required=True)
    saving = evidence_sub.add_parser("save", help="copy findings into docs/evidence/RUN/ (redacted, trimmed)")
    saving.add_argument("run", help="the run's folder name, e.g. 2026-12-02-catalogue")
    saving.add_argument("--findings", default="reports/findings.json", help="findings file (default: %(default)s)")
    saving.add_argument("--root", default="docs/evidence", help="evidence folder (default: %(default)s)")
    saving.set_defaults(func=_evidence_save)
    merging = evidence_sub.add_parser("merge", help="merge shards' findings files into one run's findings file")
    merging.add_argument("findings", nargs="+", help="each shard's findings.json")
    merging.add_argument("--output", default=DEFAULT_FINDINGS_FILE, help="the merged file (default: %(default)s)")
    merging.set_defaults(func=_evidence_merge)
    tabling = evidence_sub.add_parser("table", help="print a findings file's checks (and figures) as Markdown")
    tabling.add_argument("findings", help="a findings file, e.g. docs/evidence/RUN/findings.json")
    tabling.add_argument("--figures", action="store_true", help="also every figure that is not a check")
    tabling.set_defaults(func=_evidence_table)
    comparing = evidence_sub.add_parser(
        "compare", help="a run against earlier ones: claims that hold the same, checks that changed, figures that moved"
    )
    comparing.add_argument("findings", help="the run's findings file")
    comparing.add_argument(
        "--base", action="append", required=True, help="an earlier run's findings file; repeat it (latest result wins)"
    )
    comparing.add_argument("--label", help="what to call the run (default: its folder's name)")
    comparing.add_argument("--base-label", help="what to call the base (default: its folder's name)")
    comparing.add_argument(
        "--factor", type=float, default=1.5, help="a figure moved when it changed by more than this (default 1.5x)"
    )
    comparing.add_argument(
        "--floor", type=float, default=1.0, help="... and by more than this much of its unit (default 1)"
    )
    comparing.set_defaults(func=_evidence_compare)
    readme = evidence_sub.add_parser("readme", help="rewrite the README's evidence blocks from docs/evidence")
    readme.add_argument("--readme", default="README.md", help="the file to rewrite (default: %(default)s)")
    readme.add_argument("--root", default="docs/evidence", help="evidence folder (default: %(default)s)")
    readme.add_argument("--check", action="store_true", help="change nothing; exit 1 if a block is stale")
    readme.set_defaults(func=_evidence_readme)
    triage = sub.add_parser(
        "triage",
        help="look at a cluster (read-only) and name what is broken; exit 0 healthy, 3 degraded, 4 down",
    )
    triage.add_argument("--cluster", default=None, help="a kind cluster on this host (default: kindchaos-single)")
    triage.add_argument("--kubeconfig", default=None, help="any cluster a kubeconfig reaches (API only if not kind)")
    triage.add_argument("--json", action="store_true", help="the diagnosis and every fact as JSON")
    triage.add_argument("--deadline", type=float, default=30.0, help="time limit of the whole run, s (default 30)")
    triage.set_defaults(func=_triage)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # SIGTERM unwinds like Ctrl-C, so a create in progress is deleted, not left half-made.
    # Ctrl-C is honoured even when started from a shell that ignores SIGINT in background jobs.
    signals.interrupt_on_sigterm()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except KindChaosError as exc:
        print(f"kindchaos: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("kindchaos: interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
