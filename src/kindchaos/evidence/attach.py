"""Allure attachments and steps, every text redacted before it is written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import allure

from kindchaos.faults import phases
from kindchaos.redact import redact


def text(body: str, *, name: str) -> None:
    allure.attach(redact(body), name=name, attachment_type=allure.attachment_type.TEXT)


def json_data(data: Any, *, name: str) -> None:
    body = json.dumps(data, indent=2, default=str, sort_keys=False)
    allure.attach(redact(body), name=name, attachment_type=allure.attachment_type.JSON)


def html(body: str, *, name: str) -> None:
    allure.attach(redact(body), name=name, attachment_type=allure.attachment_type.HTML)


def png(data: bytes, *, name: str) -> None:
    allure.attach(data, name=name, attachment_type=allure.attachment_type.PNG)


def table(rows: list[dict[str, Any]], *, name: str) -> None:
    """A CSV attachment, which Allure shows as a table."""
    if not rows:
        return
    columns = list(dict.fromkeys(key for row in rows for key in row))
    lines = [",".join(columns)]
    lines += [",".join(_cell(row.get(c)) for c in columns) for row in rows]
    allure.attach(redact("\n".join(lines) + "\n"), name=name, attachment_type=allure.attachment_type.CSV)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        value = f"{value:.3f}"
    text_value = "" if value is None else str(value)
    return f'"{text_value}"' if "," in text_value or '"' in text_value else text_value


@contextmanager
def step(title: str) -> Iterator[None]:
    """An Allure step (and a progress line): what each scenario phase runs inside."""
    with phases.phase(title):
        yield


@contextmanager
def _allure_step(title: str) -> Iterator[None]:
    with allure.step(title):
        yield


def install_phase_steps() -> None:
    """Make every fault phase an Allure step."""
    phases.add_phase_hook(_allure_step)
