"""Control characters in text (issue 10): stripped on the way in, never a broken file on the way out."""

import io
import json

from django.http import QueryDict
from django.test import RequestFactory
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from guanjia.core import textinput
from guanjia.core.textnorm import clean, clean_cell, clean_prose, clean_text, strip_controls, strip_controls_in

# Every C0 control but tab, LF and CR, DEL, a C1 control and a lone surrogate.
CONTROLS = "".join(chr(c) for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)) + "\x7f\x85\ud800\uffff"


def test_strip_controls_keeps_text_tabs_and_line_breaks_and_turns_vt_ff_into_line_breaks():
    assert strip_controls("卫生间\x0b漏水\x0c第二页") == "卫生间\n漏水\n第二页"  # Word's Shift+Enter, page break
    assert strip_controls("a\tb\r\nc") == "a\tb\r\nc"
    assert strip_controls("前" + CONTROLS + "后") == "前\n\n后"
    plain = "3栋2单元1201室，业主张三"
    assert strip_controls(plain) is plain  # nothing to do: no copy


def test_every_cleaner_strips_them():
    assert clean("１２\x0001") == "1201"
    assert clean_text(" 张\x1b三 ") == "张三"
    assert clean_prose(" 渗水\x00严重\x0b请尽快 ") == "渗水严重\n请尽快"


def test_clean_cell_decodes_excels_escapes_of_control_characters_only():
    assert clean_cell("一楼_x000B_二楼") == "一楼\n二楼"  # how Excel stores a pasted line break
    assert clean_cell("a_x0001_b_x0085_c") == "abc"
    assert clean_cell("编号_x4E2D_") == "编号_x4E2D_"  # not a control character: somebody's text
    assert clean_cell("x\x1fy") == "xy"
    assert clean_cell(12) == 12 and clean_cell(None) is None


def test_strip_controls_in_cleans_query_dicts_and_json_but_keeps_passwords():
    data = QueryDict(mutable=True)
    data.setlist("note\x00", ["a\x0bb", "c\x01"])
    data["password"] = "p\x01ss"
    cleaned = strip_controls_in(data, keep={"password"})
    assert cleaned.getlist("note") == ["a\nb", "c"]
    assert cleaned["password"] == "p\x01ss"
    body = {"description": "漏\x1b水", "items": [{"text": "x\x00"}, 3, None], "n": 1.5}
    assert strip_controls_in(body) == {"description": "漏水", "items": [{"text": "x"}, 3, None], "n": 1.5}


def test_nothing_left_for_openpyxl_to_refuse():
    assert not ILLEGAL_CHARACTERS_RE.search(strip_controls(CONTROLS))
    sheet = Workbook().active
    sheet["A1"] = strip_controls("房间\x0b备注" + CONTROLS)  # raises IllegalCharacterError if anything is left
    buffer = io.BytesIO()
    sheet.parent.save(buffer)
    assert load_workbook(buffer).active["A1"].value.startswith("房间\n备注")


# --- The doors: middleware and API parsers ---------------------------------------------------------


def _run_middleware(request, view=lambda request: None):
    middleware = textinput.ControlCharactersMiddleware(lambda request: None)
    middleware.process_view(request, view, (), {})
    return request


def test_the_middleware_cleans_form_posts_and_query_strings_not_passwords():
    request = RequestFactory().post(
        "/console/x/?q=%E5%BC%A0%0B%00",
        {"note": "渗水\x0b严重\x00", "password": "se\x01cret", "new_password1": "a\x02b"},
    )
    _run_middleware(request)
    assert request.POST["note"] == "渗水\n严重"
    assert request.POST["password"] == "se\x01cret" and request.POST["new_password1"] == "a\x02b"
    assert request.GET["q"] == "张\n"


def test_the_middleware_cleans_multipart_posts_and_keeps_their_files():
    from django.core.files.uploadedfile import SimpleUploadedFile

    request = RequestFactory().post("/m/report/", {"description": "a\x1bb", "photo": SimpleUploadedFile("a.jpg", b"x")})
    _run_middleware(request)
    assert request.POST["description"] == "ab"
    assert request.FILES["photo"].name == "a.jpg"


def test_the_middleware_leaves_api_bodies_to_the_api_parsers():
    from rest_framework.views import APIView

    request = RequestFactory().post("/api/x/", {"note": "a\x0bb"})
    _run_middleware(request, APIView.as_view())
    assert not hasattr(request, "_post")  # DRF reads the body itself, through the parsers below


def test_the_api_parsers_clean_json_and_form_bodies():
    body = json.dumps({"description": "漏\u000b水\u0000", "nested": {"k\u001f": ["x\u0007"]}}).encode()
    parsed = textinput.JSONParser().parse(io.BytesIO(body), "application/json", {})
    assert parsed == {"description": "漏\n水", "nested": {"k": ["x"]}}
    form = textinput.FormParser().parse(
        io.BytesIO(b"note=a%0Bb&password=p%01"), "application/x-www-form-urlencoded", {"encoding": "utf-8"}
    )
    assert form["note"] == "a\nb" and form["password"] == "p\x01"


def test_the_api_uses_these_parsers_by_default():
    from rest_framework.settings import api_settings

    assert {p.__module__ for p in api_settings.DEFAULT_PARSER_CLASSES} == {"guanjia.core.textinput"}
