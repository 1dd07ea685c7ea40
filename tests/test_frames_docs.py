"""docs/frames.md: its Python cells that show their output print what they show."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

pytest.importorskip("narwhals", reason="the frames extra (narwhals) is not installed")
pytest.importorskip("polars", reason="polars is not installed")

PAGE = Path(__file__).resolve().parent.parent / "docs" / "frames.md"
CELL = re.compile(r"```python\n((?:(?!```).)*)```\s*\n```text\n((?:(?!```).)*)```", re.DOTALL)


def test_frames_page_prints_what_it_shows() -> None:
    found = CELL.findall(PAGE.read_text(encoding="utf-8"))
    assert len(found) == 3, "the page should show the aging, DSO and forecast cells with output"
    namespace: dict[str, object] = {}
    for code, expected in found:
        buffer = io.StringIO()
        with contextlib.redirect_stdout(buffer):
            exec(compile(code, str(PAGE), "exec"), namespace)
        assert buffer.getvalue() == expected, code
