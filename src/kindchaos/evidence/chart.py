"""The timeline as a picture: probe outcomes and latencies over time, fault phases marked.

One panel per probe (API, Service, history writes) with successes as dots at
their latency and failures as crosses along the top, one panel of watch
activity, and every panel shaded from inject to restore.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from kindchaos.observe.timeline import Timeline, TimelineEvent

PROBE_SOURCES = {
    "api-probe": "API requests",
    "service-probe": "Service requests",
    "history-0": "history writes, first client (answered or not)",
    "history-1": "history writes, second client (answered or not)",
}
WATCH_SOURCES = ("pod", "node", "lease", "event", "watch")
PHASE_COLOURS = {
    "inject": "tab:red",
    "proven": "tab:orange",
    "restore": "tab:blue",
    "returned": "tab:purple",
    "restored": "tab:green",
}


def render(timeline: Timeline, *, title: str) -> bytes:
    """A PNG of the timeline."""
    origin = timeline.origin
    probe_sources = [s for s in PROBE_SOURCES if timeline.events(s)]
    etcd_events = timeline.events("etcd-probe")
    rows = len(probe_sources) + 1 + (1 if etcd_events else 0)
    fig, axes = plt.subplots(rows, 1, figsize=(11, 2.3 * rows + 0.6), sharex=True, squeeze=False)
    for ax, source in zip(axes[:, 0], probe_sources, strict=False):
        events = timeline.events(source)
        ok = [(e.mono - origin, float(e.detail.get("latency", 0)) * 1000) for e in events if e.type == "ok"]
        failed = [e.mono - origin for e in events if e.type != "ok"]
        top = max([y for _, y in ok] + [10.0]) * 1.15
        if ok:
            ax.scatter(*zip(*ok, strict=True), s=6, color="tab:green", label=f"ok ({len(ok)})")
        if failed:
            ax.scatter(failed, [top] * len(failed), s=14, marker="x", color="tab:red", label=f"failed ({len(failed)})")
        ax.set_ylabel("latency ms")
        ax.set_title(PROBE_SOURCES[source], loc="left", fontsize=9)
        ax.legend(loc="upper right", fontsize=7)
    if etcd_events:
        _etcd_panel(axes[len(probe_sources), 0], etcd_events, origin)
    watch_ax = axes[-1, 0]
    for row, source in enumerate(WATCH_SOURCES):
        times = [e.mono - origin for e in timeline.events(source)]
        watch_ax.scatter(times, [row] * len(times), s=8, marker="|")
    watch_ax.set_yticks(range(len(WATCH_SOURCES)), WATCH_SOURCES, fontsize=7)
    watch_ax.set_title("watch events", loc="left", fontsize=9)
    watch_ax.set_xlabel("seconds since the recorder started")
    _mark_phases(list(axes[:, 0]), timeline)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    return buffer.getvalue()


def _etcd_panel(ax: Axes, events: list[TimelineEvent], origin: float) -> None:
    """One row per etcd member: answered (green), unreachable (red x), and the leader it follows (star)."""
    members = sorted({str(e.detail.get("member")) for e in events})
    for row, member in enumerate(members):
        own = [e for e in events if e.detail.get("member") == member]
        ok = [e.mono - origin for e in own if e.type == "ok"]
        failed = [e.mono - origin for e in own if e.type != "ok"]
        leading = [e.mono - origin for e in events if e.type == "ok" and e.detail.get("leader") == member]
        ax.scatter(ok, [row] * len(ok), s=6, color="tab:green")
        ax.scatter(failed, [row] * len(failed), s=14, marker="x", color="tab:red")
        ax.scatter(leading, [row + 0.25] * len(leading), s=10, marker="*", color="tab:orange")
    ax.set_yticks(range(len(members)), [m[-16:] for m in members], fontsize=7)
    ax.set_ylim(-0.6, len(members) - 0.2)
    ax.set_title("etcd members: answered (dot), unreachable (x), named leader (star)", loc="left", fontsize=9)


def _mark_phases(axes: list[Axes], timeline: Timeline) -> None:
    origin = timeline.origin
    marks = timeline.events("phase")
    injected = [e.mono - origin for e in marks if e.type == "inject"]
    restored = [e.mono - origin for e in marks if e.type == "restore"]
    for ax in axes:
        for start, end in zip(injected, restored + [None] * (len(injected) - len(restored)), strict=False):
            ax.axvspan(start, end if end is not None else ax.get_xlim()[1], color="tab:red", alpha=0.08)
        for event in marks:
            ax.axvline(event.mono - origin, color=PHASE_COLOURS.get(event.type, "grey"), linewidth=0.8, linestyle="--")
    top = axes[0]
    for event in marks:
        top.annotate(
            event.type,
            xy=(event.mono - origin, 1.0),
            xycoords=("data", "axes fraction"),
            fontsize=7,
            rotation=90,
            va="bottom",
            color=PHASE_COLOURS.get(event.type, "grey"),
        )
