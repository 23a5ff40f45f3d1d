"""PDF rendering (DESIGN.md §9): the shared pdf/base.html gives A4 pages, an embedded CJK font and page x / y."""

import re

import pytest
from django.utils import timezone

from guanjia.core.pdf import pdf_response, render_pdf
from guanjia.core.tests.pdf import pdf_tool


@pytest.fixture
def context():
    return {"community": {"name": "翠苑一期"}, "title": "测试报表", "generated_at": timezone.now()}


def test_base_template_renders_chinese_with_embedded_cjk_font(tmp_path, context):
    content = render_pdf("pdf/base.html", context)
    assert content.startswith(b"%PDF")
    fonts = pdf_tool("pdffonts", content)
    assert "Noto-Sans-CJK-SC" in fonts  # the font is embedded, so the file prints the same anywhere
    text = pdf_tool("pdftotext", content)
    assert "翠苑一期" in text and "测试报表" in text
    assert re.search(r"\b1\s*/\s*1\b", text)  # page numbers: counter(page) / counter(pages)
    info = pdf_tool("pdfinfo", content)
    assert "A4" in info and "595.276 x 841.89" in info  # portrait unless a form asks for landscape


def test_landscape_list_has_page_count_on_every_page(tmp_path, context):
    rows = [{"code": f"1-1-{i:03d}"} for i in range(120)]
    columns = ["房屋编号", "地址", "租户", "租期", "登记备案号", "室内装修", "状态"]
    data = {
        **context,
        "kind_label": "租赁清单",
        "month_label": "2025年3月",
        "rows": rows,
        "pdf_columns": [(h, round(100 / len(columns), 2)) for h in columns],
        "footnote": "注",
    }
    content = render_pdf("pdf/lease_list.html", data)
    info = pdf_tool("pdfinfo", content)
    pages = int(re.search(r"Pages:\s+(\d+)", info)[1])
    assert pages > 1 and "841.89 x 595.276" in info  # A4 landscape
    text = pdf_tool("pdftotext", content, "-layout")
    for page in range(1, pages + 1):
        assert re.search(rf"\b{page}\s*/\s*{pages}\b", text)
    assert text.count("房屋编号") == pages  # the table header repeats on every page


def test_pdf_response_is_inline_with_utf8_filename(context):
    response = pdf_response("pdf/base.html", context, "产权清单 2025-03.pdf")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline; filename*=UTF-8''")
    assert "%E4%BA%A7%E6%9D%83" in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF")
