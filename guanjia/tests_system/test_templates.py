"""Template hygiene that a page would otherwise show to its reader."""

import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_no_template_comment_spans_lines():
    # Django's {# … #} is one line only: a comment broken over two lines is printed on the page.
    broken = [
        f"{path.relative_to(ROOT)}:{text[: match.start()].count(chr(10)) + 1}"
        for path in ROOT.rglob("*.html")
        for text in [path.read_text(encoding="utf-8")]
        for match in re.finditer(r"\{#(?:(?!#\}).)*$", text, re.M)
    ]
    assert not broken, broken
