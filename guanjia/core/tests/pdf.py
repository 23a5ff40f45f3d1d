"""Reading PDFs back in tests: one helper, and it fails loudly (never skips) without poppler-utils."""

import shutil
import subprocess

import pytest


def pdf_tool(tool: str, content: bytes, *args: str) -> str:
    """What a poppler tool (`pdftotext`, `pdffonts`, `pdfinfo`) prints for a PDF given as bytes."""
    path = shutil.which(tool)
    if path is None:
        pytest.fail(f"{tool} not found: install the Debian package poppler-utils (.ci/run does)", pytrace=False)
    out = ["-"] if tool == "pdftotext" else []
    return subprocess.run([path, *args, "-", *out], input=content, capture_output=True, check=True).stdout.decode()


def pdf_text(content: bytes, *, layout: bool = False) -> str:
    """The text of a PDF, as `pdftotext` reads it (`layout=True` keeps table columns apart)."""
    return pdf_tool("pdftotext", content, *(["-layout"] if layout else []))
