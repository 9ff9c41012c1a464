"""The README's figures come from committed findings: saved redacted, tabled by a command, checked for drift."""

import json
from pathlib import Path

import pytest

from kindchaos.errors import UsageError
from kindchaos.evidence.quoted import refresh_readme, save, table

REPO = Path(__file__).resolve().parents[2]
RUN = {"started": 100.0, "finished": 1900.0, "selected": ["a", "b"], "node_image": "kindchaos/node:x"}


def findings(tmp_path: Path) -> Path:
    check = {"name": "bound", "requirement": "every pod bound ≤ 30.00 s", "measured": "0.61 s", "held": True,
             "value": 0.61, "unit": "s", "limit": 30.0, "kind": "budget"}  # fmt: skip
    document = {
        "run": RUN,
        "findings": [
            {"test": "scenarios/control_plane/test_scheduler.py::test_scheduler_outage", "outcome": "passed",
             "run_started": 100.0, "wall_s": 60.5, "checks": [check],
             "figures": [{"name": "bound", "value": 0.61, "unit": "s", "budget": 30.0},
                         {"name": "lease_holder_after", "value": "cp_1", "unit": ""}],
             "faults": [{"proof": ["token: abc"]}], "message": "", "claim": {"question_id": "control-plane-failure"}},
            {"test": "scenarios/old.py::test_old", "outcome": "passed", "run_started": 1.0, "checks": [check]},
        ],
    }  # fmt: skip
    path = tmp_path / "findings.json"
    path.write_text(json.dumps(document))
    return path


def test_a_saved_run_keeps_what_tables_need_and_drops_proofs(tmp_path: Path) -> None:
    saved = save(findings(tmp_path), "run-1", root=tmp_path / "evidence")
    data = json.loads(saved.read_text())
    assert data["run"] == RUN and "faults" not in data["findings"][0]
    assert (saved.parent / "tables.md").read_text().startswith("# Run run-1")


def test_redaction_never_breaks_the_saved_json(tmp_path: Path) -> None:
    source = findings(tmp_path)
    document = json.loads(source.read_text())
    document["findings"][0]["checks"][0]["requirement"] = "HTTP status for a made-up token = 401"
    source.write_text(json.dumps(document))
    saved = json.loads(save(source, "run-1", root=tmp_path / "e").read_text())
    assert saved["findings"][0]["checks"][0]["requirement"] == "HTTP status for a made-up token = <redacted>"


def test_the_table_quotes_this_runs_checks_only(tmp_path: Path) -> None:
    text = table(save(findings(tmp_path), "run-1", root=tmp_path / "e"))
    summary = "Run `run-1`: 1 passed in 30.0 min; 1 checks (1 held); 1 figures with a budget, 1 of them asserted"
    assert text.startswith(summary)
    assert "| | ✅ `bound` | every pod bound ≤ 30.00 s | 0.61 s |" in text
    assert "old" not in text and "lease_holder_after" not in text
    with_figures = table(tmp_path / "e" / "run-1" / "findings.json", figures=True)
    assert "| | `lease_holder_after` | | cp_1 |" in with_figures


def test_a_stale_readme_block_is_found_and_rewritten(tmp_path: Path) -> None:
    save(findings(tmp_path), "run-1", root=tmp_path / "e")
    readme = tmp_path / "README.md"
    readme.write_text("intro\n<!-- evidence:run-1 -->\nold numbers\n<!-- /evidence:run-1 -->\nend\n")
    assert refresh_readme(readme, root=tmp_path / "e", write=False) == ["run-1"]
    assert refresh_readme(readme, root=tmp_path / "e") == ["run-1"]
    assert refresh_readme(readme, root=tmp_path / "e", write=False) == []
    assert "0.61 s" in readme.read_text() and readme.read_text().endswith("<!-- /evidence:run-1 -->\nend\n")


def test_a_block_naming_a_missing_run_is_an_error(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text("<!-- evidence:gone -->\nx\n<!-- /evidence:gone -->\n")
    with pytest.raises(UsageError, match="quotes run 'gone'"):
        refresh_readme(readme, root=tmp_path)
    with pytest.raises(UsageError, match="not a folder name"):
        save(findings(tmp_path), "../escape", root=tmp_path)


def test_every_readme_figure_block_matches_its_committed_run() -> None:
    stale = refresh_readme(REPO / "README.md", root=REPO / "docs" / "evidence", write=False)
    assert not stale, f"README blocks differ from docs/evidence for {stale} (run: kindchaos evidence readme)"
