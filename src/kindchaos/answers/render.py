"""The answer sheet as Markdown, and as an HTML page made from that Markdown."""

from __future__ import annotations

import html
import time
from pathlib import Path
from typing import Any

import markdown as markdown_lib

from kindchaos.answers.sheet import (
    CHECK_FAILED,
    CONFIRMED,
    FAILED,
    HELD,
    NOT_RUN,
    SKIPPED,
    CheckLine,
    ClaimEntry,
    FigureLine,
    Sheet,
)
from kindchaos.answers.words import words
from kindchaos.redact import redact


def _utc(epoch: float | None) -> str:
    if epoch is None:
        return "?"
    return time.strftime("%Y-%m-%d %H:%M", time.gmtime(epoch))


def format_value(value: Any, unit: str) -> str:
    """A figure as a reader wants it: seconds to two decimals, bytes in MB, ratios as they were recorded."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int | float) and unit == "B":
        return f"{value / 1e6:.2f} MB"
    if isinstance(value, float):
        text = f"{value:.0f}" if abs(value) >= 100 else f"{value:.2f}" if abs(value) >= 1 else f"{value:.3f}"
        return f"{text} {unit}".strip()
    return f"{value} {unit}".strip()


def _figure(figure: FigureLine, w: dict[str, str]) -> str:
    text = f"`{figure.name}` = {format_value(figure.value, figure.unit)}"
    if figure.budget is not None:
        text += f" ({w['budget']} {format_value(float(figure.budget), figure.unit)})"
    if figure.note:
        note = figure.note if len(figure.note) <= 120 else figure.note[:117] + "..."
        text += f": {note}"
    return text


MARKS = {HELD: "✅", CHECK_FAILED: "❌"}


def _check(check: CheckLine, w: dict[str, str]) -> str:
    mark = MARKS.get(check.status, "⚪")
    if check.status == HELD or check.status == CHECK_FAILED:
        verdict = w["check_held"] if check.status == HELD else w["check_failed"]
        measured = " ".join(check.measured.split())  # one list item: command output may span lines
        return f"{mark} `{check.name}` {verdict}: {w['required']} {check.requirement}; {w['measured_value']} {measured}"
    return f"{mark} `{check.name}` {w['check_not_run']}"


def _checks(claim: ClaimEntry, w: dict[str, str]) -> list[str]:
    lines = [f"    - {w['checks']}:"]
    for clause in claim.clauses:
        lines.append(f"        - “{clause.text}”")
        lines += [f"            - {_check(check, w)}" for check in clause.checks]
    if claim.extra_checks:
        lines.append(f"        - {w['also_checked']}")
        lines += [f"            - {_check(check, w)}" for check in claim.extra_checks]
    return lines


def _claim(claim: ClaimEntry, w: dict[str, str]) -> list[str]:
    sentence = claim.sentence if claim.translated else f"{claim.sentence} {w['untranslated']}"
    lines = [f"- **{sentence}**" if claim.status == CONFIRMED else f"- *{w['unconfirmed']}:* {sentence}"]
    status = w[claim.status].format(date=_utc(claim.finished))
    if claim.earlier:
        status += " " + w["earlier"].format(date=_utc(claim.finished), outcome=w[f"earlier_{claim.earlier}"])
    # Four spaces per level: Python-Markdown nests a list only at that indent (GitHub accepts it too).
    lines.append(f"    - {status}")
    if claim.reason:
        lines.append(f"    - {w['reason']}: {claim.reason}")
    failed = claim.failed_checks()
    if failed:
        lines.append(f"    - {w['failed_check']}: " + ", ".join(f"`{check.name}`" for check in failed))
    lines += _checks(claim, w)
    if claim.figures:
        lines.append(f"    - {w['measured']}:")
        lines += [f"        - {_figure(figure, w)}" for figure in claim.figures]
    else:
        lines.append(f"    - {w['measured']}: {w['no_figures']}")
    lines.append(f"    - {w['test']}: `{claim.test}`")
    return lines


def to_markdown(sheet: Sheet) -> str:
    w = words(sheet.lang)
    out = [f"# {w['title']}", "", w["source"].format(source=sheet.source)]
    if sheet.run:
        out.append(
            w["run"].format(
                started=_utc(sheet.run.get("started")),
                finished=_utc(sheet.run.get("finished")),
                image=sheet.run.get("node_image") or "?",
                selected=len(sheet.run.get("selected") or []),
            )
        )
        if shards := sheet.run.get("shards"):
            named = ", ".join(f"`{shard['source']}` ({shard['ran']})" for shard in shards)
            out.append(w["shards"].format(count=len(shards), shards=named))
    else:
        out.append(w["no_run"])
    out += [
        "",
        w["tally"].format(
            confirmed=sheet.count(CONFIRMED),
            failed=sheet.count(FAILED),
            skipped=sheet.count(SKIPPED),
            not_run=sheet.count(NOT_RUN),
        ),
        "",
        f"> {w['legend']}",
    ]
    for number, section in enumerate(sheet.sections, start=1):
        out += ["", f"## {number}. {section.question}", ""]
        if not section.claims:
            out.append(f"*{w['no_claims']}*")
        for claim in section.claims:
            out += _claim(claim, w)
        if section.question_id == "cluster-failure":
            out += sheet.triage
    out += sheet.layouts
    return "\n".join(out) + "\n"


STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.5; }
code { background: #f3f3f3; padding: 0 .2em; }
blockquote { border-left: 4px solid #ccc; margin: 0; padding-left: 1rem; color: #444; }
li > ul { margin-top: .2rem; }
"""


def to_html(sheet: Sheet, markdown_text: str | None = None) -> str:
    body = markdown_lib.markdown(markdown_text or to_markdown(sheet), extensions=["sane_lists"])
    title = html.escape(words(sheet.lang)["title"])
    return (
        f'<!doctype html>\n<html lang="{sheet.lang}">\n<head>\n<meta charset="utf-8">\n<title>{title}</title>\n'
        f"<style>{STYLE}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n"
    )


def write(sheet: Sheet, folder: Path) -> tuple[Path, Path]:
    """Write answers.<lang>.md and answers.<lang>.html into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    text = redact(to_markdown(sheet))  # figure notes quote cluster output; the sheet is shared like a report
    md_path = folder / f"answers.{sheet.lang}.md"
    html_path = folder / f"answers.{sheet.lang}.html"
    md_path.write_text(text)
    html_path.write_text(to_html(sheet, text))
    return md_path, html_path
