"""The importer's one reading of a workbook (core.importing.xlsx) gives what openpyxl itself reads.

Files are written here by hand, as Excel, WPS and other writers lay them out (shared strings with
rich text and phonetic guides, inline strings, dates by style, booleans, errors, formulas' cached
values, cells and rows without references, namespace prefixes), and by openpyxl."""

import datetime as dt
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from guanjia.core.errors import ServiceError
from guanjia.core.importing import xlsx

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
STYLES = f"""<?xml version="1.0" encoding="UTF-8"?>
<styleSheet xmlns="{MAIN}"><fonts count="1"><font><sz val="11"/><name val="宋体"/></font></fonts>
<fills count="1"><fill><patternFill patternType="none"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"""
STRINGS = f"""<?xml version="1.0" encoding="UTF-8"?>
<sst xmlns="{MAIN}" count="4" uniqueCount="4">
<si><t>房屋编号</t></si>
<si><r><rPr><b/></rPr><t>张</t></r><r><t xml:space="preserve">三 </t></r><rPh sb="0" eb="1"><t>zhang</t></rPh></si>
<si><t>3-2-1201</t></si>
<si><t>a_x005F_b</t></si>
</sst>"""


def package(sheet: str, *, strings: str | None = STRINGS, prefix: str = "") -> bytes:
    p = f"{prefix}:" if prefix else ""
    ns = f'xmlns:{prefix}="{MAIN}"' if prefix else f'xmlns="{MAIN}"'
    sheet_xml = (
        f'<?xml version="1.0" encoding="UTF-8"?><{p}worksheet {ns} '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
        'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac">'
        f"<{p}sheetData>{sheet}</{p}sheetData></{p}worksheet>"
    )
    types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        + (
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            if strings
            else ""
        )
        + "</Types>"
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
        "</Relationships>"
    )
    book = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        '<sheets><sheet name="答卷" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    book_rels = (
        '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
        + (
            '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
            if strings
            else ""
        )
        + "</Relationships>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", types)
        z.writestr("_rels/.rels", rels)
        z.writestr("xl/workbook.xml", book)
        z.writestr("xl/_rels/workbook.xml.rels", book_rels)
        z.writestr("xl/styles.xml", STYLES)
        if strings:
            z.writestr("xl/sharedStrings.xml", strings)
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return buffer.getvalue()


def ours(content: bytes) -> list[tuple[int, list]]:
    with xlsx.open_workbook(io.BytesIO(content)) as book:
        return list(book.sheet().rows())


def openpyxls(content: bytes) -> list[tuple[int, list]]:
    """openpyxl's reading, as (row number, values without the padding) of the rows that have cells."""
    book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    sheet = book.worksheets[0]
    sheet.reset_dimensions()
    rows = []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        values = list(values)
        while values and values[-1] is None:
            values.pop()
        if values:
            rows.append((number, values))
    book.close()
    return rows


def trimmed(rows):
    out = []
    for number, values in rows:
        values = list(values)
        while values and values[-1] is None:
            values.pop()
        if values:
            out.append((number, values))
    return out


EXCEL_LIKE = (
    '<row r="1" spans="1:6" x14ac:dyDescent="0.25"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
    '<c r="F1" t="s"><v>3</v></c></row>'
    '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2"><v>89.5</v></c><c r="C2" s="1"><v>43952</v></c>'
    '<c r="D2" t="b"><v>1</v></c><c r="E2" t="e"><v>#N/A</v></c><c r="F2" t="str"><f>A2&amp;"x"</f><v>3-2-1201x</v></c></row>'
    '<row r="4"><c r="B4"><v>1.5E3</v></c><c r="C4"><v>110105194912310021</v></c><c r="D4" t="s"><v></v></c>'
    '<c r="E4" t="inlineStr"><is><t>内联</t></is></c>'
    '<c r="F4" t="inlineStr"><is><r><t>富</t></r><r><rPr><i/></rPr><t>文本</t></r></is></c></row>'
    '<row r="5"><c t="inlineStr"><is><t xml:space="preserve"> 前后空格 </t></is></c><c><v>7</v></c></row>'
    '<row r="6" spans="1:1"/>'
)


def test_an_excel_like_sheet_reads_as_openpyxl_reads_it():
    content = package(EXCEL_LIKE)
    assert trimmed(ours(content)) == openpyxls(content)
    rows = dict(ours(content))
    assert rows[1] == ["房屋编号", "张三 ", None, None, None, "a_b"]  # the phonetic guide left out
    assert rows[2] == ["3-2-1201", 89.5, dt.datetime(2020, 5, 1), True, "#N/A", "3-2-1201x"]
    assert rows[4][1:] == [1500.0, 110105194912310021, None, "内联", "富文本"]
    assert rows[5][:2] == [" 前后空格 ", 7]  # cells without references follow each other


# Every cell in the shape writers give it: read by regular expressions, without the XML parser.
PLAIN = (
    '<row r="1" spans="1:6" x14ac:dyDescent="0.25"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
    '<c r="C1" s="1"/><c r="F1" t="s"><v>3</v></c></row>'
    '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2"><v>89.5</v></c><c r="C2" s="1"><v>43952</v></c>'
    '<c r="D2" t="b"><v>1</v></c><c r="E2" t="e"><v>#N/A</v></c><c r="F2" t="str"><v>a&amp;b</v></c></row>'
    '<row r="4"><c r="B4" t="n"><v>1.5E3</v></c><c r="C4"><v>110105194912310021</v></c><c r="D4" t="s"><v></v></c>'
    '<c r="E4" t="inlineStr"><is><t>内联 &lt;甲&gt; &#x4E59;&#19993;</t></is></c>'
    '<c r="F4" t="inlineStr"><is><t></t></is></c></row>\r\n'
    '<row r="5"><c r="A5" t="inlineStr"><is><t>两行\r\n文字</t></is></c><c r="B5" t="inlineStr"><is><t>a_x000B_b</t></is></c></row>'
    '<row r="6" spans="1:1"/>'
)


def test_a_plain_sheet_reads_as_openpyxl_reads_it_without_the_xml_parser(monkeypatch):
    content = package(PLAIN)
    expected = openpyxls(content)
    monkeypatch.setattr(xlsx, "fromstring", lambda *a: pytest.fail("the plain shape was sent to the parser"))
    rows = dict(ours(content))
    # openpyxl leaves Excel's escape of a control character in an inline string; the importer reads
    # it as text and cleans it (textnorm.clean_cell), on either path
    assert rows[5][:2] == ["两行\n文字", "a\nb"]
    assert trimmed(ours(content))[:-1] == expected[:-1] and expected[-1][1][0] == rows[5][0]
    assert rows[2][5] == "a&b"
    assert rows[4][3:] == [None, "内联 <甲> 乙丙", ""]


def test_a_chunk_outside_the_plain_shape_goes_to_the_parser_and_reads_the_same(monkeypatch):
    """A formula, rich text, attributes in another order, a stray "&": the chunk is parsed instead."""
    monkeypatch.setattr(xlsx, "_CHUNK", 64)
    odd = PLAIN.replace('<c r="B2"><v>89.5</v></c>', '<c r="B2"><f>1+1</f><v>89.5</v></c>').replace(
        '<c r="D2" t="b">', '<c t="b" r="D2">'
    )
    assert ours(package(odd)) == ours(package(PLAIN))
    with pytest.raises(ServiceError):
        ours(package(PLAIN.replace("a&amp;b", "a&b")))  # not XML: refused as the parser refuses it


def test_a_prefixed_namespace_reads_the_same():
    plain = package(EXCEL_LIKE)
    prefixed = package(EXCEL_LIKE.replace("<row", "<x:row").replace("</row>", "</x:row>").replace("<c ", "<x:c ").replace("<c>", "<x:c>")
                       .replace("</c>", "</x:c>").replace("<v>", "<x:v>").replace("</v>", "</x:v>")
                       .replace("<is>", "<x:is>").replace("</is>", "</x:is>").replace("<t>", "<x:t>")
                       .replace("<t ", "<x:t ").replace("</t>", "</x:t>").replace("<r>", "<x:r>")
                       .replace("</r>", "</x:r>").replace("<f>", "<x:f>").replace("</f>", "</x:f>")
                       .replace("<rPr>", "<x:rPr>").replace("</rPr>", "</x:rPr>").replace("<i/>", "<x:i/>"),
                       prefix="x")  # fmt: skip
    assert ours(prefixed) == ours(plain)


def test_what_the_chunked_reading_cannot_take_is_read_by_events(monkeypatch):
    """A comment holding "</row>" cuts a chunk in the wrong place: the reader goes back to the
    element-by-element parse and gives out no row twice."""
    monkeypatch.setattr(xlsx, "_CHUNK", 40)  # many chunks, so some rows are out before it happens
    content = package(EXCEL_LIKE.replace('<row r="4">', '<!-- a note </row> --><row r="4">'))
    expected = ours(package(EXCEL_LIKE))
    slow = []
    by_events = xlsx._rows_by_events
    monkeypatch.setattr(xlsx, "_rows_by_events", lambda source: slow.append(1) or by_events(source))
    assert ours(content) == expected and slow == [1]


def test_a_workbook_written_by_openpyxl_reads_as_openpyxl_reads_it(monkeypatch):
    book = Workbook()
    sheet = book.active
    sheet.append(["标题"])
    sheet.append(["房屋编号", "面积", "日期", "时间", "是否", "空"])
    sheet.append(["3-2-1201", 89.5, dt.date(2020, 5, 1), dt.datetime(2021, 1, 2, 3, 4, 5), False, None])
    sheet.append([None, None, None, None, None, "最后"])
    sheet["H7"] = "远处"
    buffer = io.BytesIO()
    book.save(buffer)
    content = buffer.getvalue()
    for chunk in (xlsx._CHUNK, 64):
        monkeypatch.setattr(xlsx, "_CHUNK", chunk)
        assert trimmed(ours(content)) == openpyxls(content)
    assert dict(ours(content))[7][7] == "远处"


def test_sheet_by_name_else_the_first_and_progress():
    book = Workbook()
    book.active.title = "说明"
    book.active.append(["看这里"])
    data = book.create_sheet("答卷")
    for i in range(2500):
        data.append([i])
    buffer = io.BytesIO()
    book.save(buffer)
    seen = []
    with xlsx.open_workbook(io.BytesIO(buffer.getvalue())) as opened:
        assert opened.sheet_names == ["说明", "答卷"]
        assert [v for _n, v in opened.sheet("没有").rows()] == [["看这里"]]
        rows = list(opened.sheet("答卷").rows(progress=seen.append))
    assert len(rows) == 2500 and rows[-1] == (2500, [2499])
    assert len(seen) == 2 and 0 < seen[0] < seen[1] <= 1


@pytest.mark.parametrize("content", [b"", b"not a zip", package("<row>").replace(b"sheet1", b"sheet9")])
def test_what_is_not_an_xlsx_is_refused_with_the_file_named(content):
    with pytest.raises(ServiceError) as error:
        ours(content)
    assert (error.value.code, error.value.field) == ("bad_file", "file")


def test_a_broken_sheet_is_refused_when_read():
    with pytest.raises(ServiceError) as error:
        ours(package('<row r="1"><c r="A1" t="s"><v>99</v></c></row>'))  # no such shared string
    assert error.value.code == "bad_file"


def test_uploaded_files_open_as_they_are():
    upload = SimpleUploadedFile("a.xlsx", package(EXCEL_LIKE, strings=STRINGS))
    with xlsx.open_workbook(upload) as book:
        assert next(book.sheet().rows())[0] == 1
