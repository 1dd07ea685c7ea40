"""The example pages of the docs run as written and print what they show."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
CELL = re.compile(r"```python\n((?:(?!```).)*)```\s*\n```text\n((?:(?!```).)*)```", re.DOTALL)


def cells(page: Path) -> list[tuple[str, str]]:
    return [(code, out) for code, out in CELL.findall(page.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("page", ["examples/notebook.md", "getting-started.md"])
def test_example_page_prints_what_it_shows(page: str) -> None:
    found = cells(DOCS / page)
    assert found, f"{page} has no python cell followed by its output"
    namespace: dict[str, object] = {}
    for code, expected in found:
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            exec(compile(code, page, "exec"), namespace)
        assert buffer.getvalue() == expected, code
