"""Reading an uploaded .xlsx once, as a stream of rows (openpyxl read-only, with a lean cell loop).

openpyxl opens the package (content types, workbook, sheet relations, the style sheet that says
which cells are dates); the cells of the sheet and the shared-string table are then streamed
here. openpyxl's own read-only loop builds a descriptor object per string and a dict per cell,
and it probes a sheet without a <dimension> element by parsing it in full before reading it:
for a 100,000-row register that was three quarters of the import's reading time. What comes
out is what `openpyxl`'s `iter_rows(values_only=True)` gives (strings, int, float, datetime for
date-formatted numbers, bool; formulas as their cached value; error cells as their code such as
"#N/A"), which `tests/test_importing_xlsx.py` checks against openpyxl itself; only the rows
come with their own row numbers, and are not padded: missing cells at the end are absent.

`Sheet.rows()` also reports how far it has read (bytes of the sheet's XML), for the progress
bar of a background preview.

A file is refused, with the limit named, when it unpacks to more than `limits` allow (checked on
the zip's directory before openpyxl reads a part: a zip bomb is never unpacked) or its sheet holds
more rows, columns or cells (checked as it streams: the rows are never all in memory).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable, Iterator
from xml.etree.ElementTree import ParseError, fromstring, iterparse

from django.utils.translation import gettext as _

from ..errors import ServiceError
from ..textnorm import clean_cell
from .limits import limit

_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_ROW, _C, _V, _IS, _T, _R, _SI = (_NS + tag for tag in ("row", "c", "v", "is", "t", "r", "si"))
_PROGRESS_EVERY = 1000  # rows between two progress reports


def too_large(message: str, n: int | str, **more) -> ServiceError:
    return ServiceError("too_large", message % {"n": f"{n:,}" if isinstance(n, int) else n, **more}, field="file")


def _size(count: int) -> str:
    return f"{count / 2**20:g}MB" if count >= 2**20 else f"{max(count // 1024, 1)}KB"


def _unpacked_size(file) -> int:
    """What the package's parts add up to once decompressed, from the zip's directory (nothing is
    unpacked). A part that claims less than it holds cannot cheat: zipfile stops reading a part
    at its stated size (and then fails its CRC check)."""
    try:
        with zipfile.ZipFile(file) as package:
            return sum(info.file_size for info in package.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise bad_file() from None
    finally:
        if hasattr(file, "seek"):
            file.seek(0)


def bad_file() -> ServiceError:
    return ServiceError(
        "bad_file", _("文件：无法读取，请上传 Excel（.xlsx）文件；.xls 请先另存为 .xlsx。"), field="file"
    )


class Workbook:
    """An open .xlsx: its sheet names, and each sheet's rows on demand. Use as a context manager."""

    def __init__(self, file):
        from openpyxl.reader.excel import ExcelReader
        from openpyxl.styles.stylesheet import apply_stylesheet

        if hasattr(file, "seek"):
            file.seek(0)
        cap = limit("unpacked_bytes")
        if _unpacked_size(file) > cap:
            raise too_large(_("文件：解压后超过 %(n)s 的上限（.xlsx 是压缩文件），请分成几个文件上传。"), _size(cap))
        try:
            reader = ExcelReader(file, read_only=True, data_only=True)
            reader.read_manifest()
            reader.read_workbook()
            apply_stylesheet(reader.archive, reader.wb)
        except Exception:  # zipfile, XML and openpyxl raise many kinds on a file that is not .xlsx
            raise bad_file() from None
        self._archive: zipfile.ZipFile = reader.archive
        self._epoch = reader.wb.epoch
        self._dates = frozenset(reader.wb._date_formats)
        self._timedeltas = frozenset(reader.wb._timedelta_formats)
        strings = reader.package.find("application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml")
        self._strings_path = strings.PartName[1:] if strings is not None else None
        self._strings: list[str] | None = None
        names = set(self._archive.namelist())
        self._sheets = [
            (sheet.name, rel.target)
            for sheet, rel in reader.parser.find_sheets()
            if rel.target in names and "chartsheet" not in rel.Type
        ]
        if not self._sheets:
            raise bad_file()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self._archive.close()

    @property
    def sheet_names(self) -> list[str]:
        return [name for name, _path in self._sheets]

    def sheet(self, name: str | None = None) -> Sheet:
        """The sheet called `name`, else the first one."""
        for sheet_name, path in self._sheets:
            if sheet_name == name:
                return Sheet(self, path)
        return Sheet(self, self._sheets[0][1])

    def shared_strings(self) -> list[str]:
        if self._strings is None:
            self._strings = []
            if self._strings_path:
                with self._archive.open(self._strings_path) as source:
                    self._strings = _read_strings(source)
        return self._strings


def _text_of(element) -> str:
    """The text of an <si> or <is>: its <t>, or its runs' <t>; phonetic guides (<rPh>) left out."""
    if len(element) == 1 and element[0].tag == _T:
        return element[0].text or ""
    parts = []
    for child in element:
        if child.tag == _T:
            parts.append(child.text or "")
        elif child.tag == _R:
            t = child.find(_T)
            if t is not None:
                parts.append(t.text or "")
    return "".join(parts)


def _read_strings(source) -> list[str]:
    strings = []
    try:
        for _event, element in iterparse(source):
            if element.tag == _SI:
                # openpyxl drops this escape from shared strings (and only there): so do we.
                strings.append(clean_cell(_text_of(element).replace("x005F_", "")))
                element.clear()
    except ParseError:
        raise bad_file() from None
    return strings


_DIGITS = "0123456789"


def _column(letters: str) -> int:
    """ "AB" → 27: the 0-based column of a cell reference's letters."""
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


class _Counting:
    """A file wrapper counting the bytes read, for progress. `plain` says the rows being read hold
    no control character (see `_MAY_HOLD_CONTROLS`): their text needs no cleaning."""

    def __init__(self, raw):
        self.raw, self.done, self.plain = raw, 0, False

    def read(self, size=-1):
        data = self.raw.read(size)
        self.done += len(data)
        return data


class _Unusual(Exception):
    """The sheet's XML is not laid out as spreadsheet writers write it: read it the slow way."""


_ROOT = re.compile(rb"<([A-Za-z_][\w.-]*:)?worksheet\b[^>]*>")
# What in a sheet's bytes can become a control character in a cell's text (textnorm.clean_cell):
# Excel's "_x000B_" escapes, character references, DEL and the C1 range (U+0080–U+009F in UTF-8);
# XML forbids the C0 controls raw (such a sheet does not parse). A chunk of rows without any of
# these — nearly every chunk — is read without cleaning each cell: one scan of the bytes instead.
_MAY_HOLD_CONTROLS = re.compile(rb"_x|&#|\x7f|\xc2[\x80-\x9f]|\xef\xbf[\xbe\xbf]")
_CHUNK = 1 << 16


def _rows_in_chunks(source) -> Iterator:
    """The rows, a chunk of the sheet's XML at a time, as (row reference, cells) — see `_cells_of`.

    The rows of a chunk, cut after its last </row>, are read in one go: by regular expressions when
    every cell is in the plain shape spreadsheet writers give it (`_plain_rows`), else parsed inside
    a copy of the sheet's root tag (so its namespace prefixes stay declared). Either way no Python
    call per XML element. A sheet this cannot read (no root or sheetData found, a chunk that does
    not parse, e.g. a comment holding "</row>") raises _Unusual before anything is misread."""
    buffer = b""
    while True:
        data = source.read(_CHUNK)
        buffer += data
        root = _ROOT.search(buffer)
        prefix = (root.group(1) or b"") if root else b""
        start = re.search(rb"<" + re.escape(prefix) + rb"sheetData\b[^>]*?(/?)>", buffer) if root else None
        if start:
            break
        if not data:
            raise _Unusual
    if start.group(1):  # <sheetData/>: no rows
        return
    opening, closing = root.group(), b"</" + prefix + b"worksheet>"
    inline_open, inline_close = b"<%sis><%st>" % (prefix, prefix), b"</%st></%sis>" % (prefix, prefix)
    value_open, value_close = b"<%sv>" % prefix, b"</%sv>" % prefix
    row_end, data_end = b"</" + prefix + b"row>", b"</" + prefix + b"sheetData>"
    buffer = buffer[start.end() :]
    while True:
        cut = buffer.rfind(row_end)
        if data:
            part = buffer[: cut + len(row_end)] if cut >= 0 else b""
            buffer = buffer[len(part) :]
        else:
            end = buffer.find(data_end)
            if end < 0:
                raise _Unusual
            part, buffer = buffer[:end], b""
        if part:
            source.plain = not _MAY_HOLD_CONTROLS.search(part)
            rows = None if prefix else _plain_rows(part)
            if rows is None:
                # A plain inline string <is><t>…</t></is> (how openpyxl writes every string) read as a
                # <v>: a third fewer elements to build. The same text; rich text and xml:space differ
                # in their bytes and are parsed as they are. (Text cannot hold a raw "<"; spreadsheet
                # writers put no CDATA in a sheet.)
                part = part.replace(inline_open, value_open).replace(inline_close, value_close)
                try:
                    tree = fromstring(opening + part + closing)
                except ParseError:
                    raise _Unusual from None
                rows = map(_cells_of, tree)
            yield from rows
        if not data:
            return
        data = source.read(_CHUNK)
        buffer += data


def _rows_by_events(source) -> Iterator:
    for _event, element in iterparse(source):
        if element.tag == _ROW:
            yield _cells_of(element)
            element.clear()


def _cells_of(row) -> tuple[str | None, list[tuple]]:
    """A parsed <row>: its reference and its cells as (column letters, style, type, text), where
    text is the <v>'s, or an inline string's (runs joined), or None; a missing attribute is None
    (the plain path gives ""; both read as absent)."""
    cells = []
    for cell in row:
        if cell.tag != _C:
            continue
        reference, kind = cell.get("r"), cell.get("t")
        text = cell.findtext(_V)
        if text is None and kind == "inlineStr":
            inline = cell.find(_IS)
            text = _text_of(inline) if inline is not None else None
        cells.append((reference.rstrip(_DIGITS) if reference else None, cell.get("s"), kind, text))
    return row.get("r"), cells


# The plain shape of rows and cells, as Excel, WPS, LibreOffice and openpyxl write them: a cell's r,
# then its s and t, holding a <v> or a plain inline string. Anything else in a chunk (formulas, rich
# text, xml:space, a namespace prefix, attributes in another order, raw control characters that XML
# forbids) sends the whole chunk to the XML parser instead.
_PLAIN_ROW = re.compile(r"<row\b([^>]*?)(?:/>|>(.*?)</row>)", re.S)
_PLAIN_CELL = re.compile(
    r'<c r="([A-Z]{1,3})[0-9]*"(?: s="([0-9]+)")?(?: t="([a-zA-Z]+)")?\s*'
    r"(?:/>|>((?:<v>[^<]*</v>|<is><t>[^<]*</t></is>)?)</c>)"
)
_ROW_REFERENCE = re.compile(r'(?:^|\s)r="([0-9]+)"')
_ENTITY = re.compile(r"&(?:(amp|lt|gt|quot|apos)|#([0-9]+)|#x([0-9a-fA-F]+));")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}
_FORBIDDEN = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _entity(match) -> str:
    name, decimal, hexadecimal = match.groups()
    return _NAMED[name] if name else chr(int(decimal) if decimal else int(hexadecimal, 16))


def _xml_text(raw: str) -> str | None:
    """The text XML gives for `raw` (line ends normalised, references resolved); None when it holds
    an "&" that is no reference (the parser would refuse the sheet)."""
    if "\r" in raw:
        raw = raw.replace("\r\n", "\n").replace("\r", "\n")
    if "&" in raw:
        if raw.count("&") != len(_ENTITY.findall(raw)):
            return None
        raw = _ENTITY.sub(_entity, raw)
    return raw


def _plain_rows(part: bytes) -> list | None:
    """The rows of a chunk read by regular expressions, or None when it is not all in the plain shape."""
    if _FORBIDDEN.search(part):
        return None
    try:
        text = part.decode()
    except UnicodeDecodeError:
        return None
    rows, end = [], 0
    for match in _PLAIN_ROW.finditer(text):
        if text[end : match.start()].strip():
            return None
        end = match.end()
        body = match.group(2) or ""
        found = _PLAIN_CELL.findall(body)
        if body.count("<c") != len(found):
            return None
        # (letters, style, type, text): "" where an attribute is absent; text None where there is none
        cells = [
            (letters, style, kind, content[3:-4] if content[:3] == "<v>" else (content[7:-9] if content else None))
            for letters, style, kind, content in found
        ]
        if "&" in body or "\r" in body:
            for n, (letters, style, kind, raw) in enumerate(cells):
                if raw:
                    raw = _xml_text(raw)
                    if raw is None:
                        return None
                    cells[n] = (letters, style, kind, raw)
        reference = _ROW_REFERENCE.search(match.group(1))
        rows.append((reference.group(1) if reference else None, cells))
    if text[end:].strip():
        return None
    return rows


class Sheet:
    def __init__(self, workbook: Workbook, path: str):
        self.workbook, self.path = workbook, path

    def rows(self, progress: Callable[[float], None] | None = None) -> Iterator[tuple[int, list]]:
        """(row number, cell values) of every row present in the sheet, in order.

        `progress(fraction)` is called every 1,000 rows with how much of the sheet has been read."""
        done = 0  # the last row number given out: a slow re-read after _Unusual resumes after it
        try:
            for number, values in self._rows(_rows_in_chunks, progress):
                done = number
                yield number, values
        except _Unusual:
            for number, values in self._rows(_rows_by_events, progress):
                if number > done:
                    yield number, values

    def _rows(self, elements, progress) -> Iterator[tuple[int, list]]:
        from openpyxl.utils.datetime import from_excel, from_ISO8601

        book = self.workbook
        dates, timedeltas, epoch = book._dates, book._timedeltas, book._epoch
        strings = book.shared_strings()
        columns: dict[str, int] = {}
        seen_dates: dict[tuple, object] = {}  # a register repeats its dates: convert each once
        size = book._archive.getinfo(self.path).file_size or 1
        width = 0  # rows are read into lists as wide as the widest so far (openpyxl pads them too)
        max_rows, max_columns, max_cells = limit("rows"), limit("columns"), limit("cells")
        cells = 0
        with book._archive.open(self.path) as raw:
            source = _Counting(raw)
            expected, seen = 1, 0
            try:
                for reference, row in elements(source):
                    plain = source.plain
                    number = int(reference) if reference else expected
                    values = [None] * width
                    position = 0
                    for letters, style, kind, value in row:
                        if letters:
                            position = columns.get(letters)
                            if position is None:
                                position = columns[letters] = _column(letters)
                        if not kind or kind == "n":
                            if value:
                                value = float(value) if "." in value or "E" in value or "e" in value else int(value)
                                if style and int(style) in dates:
                                    key = (value, int(style) in timedeltas)
                                    day = seen_dates.get(key)
                                    if day is None:
                                        try:
                                            day = from_excel(value, epoch, timedelta=key[1])
                                        except (OverflowError, ValueError):
                                            day = "#VALUE!"  # how openpyxl reads a date out of range
                                        seen_dates[key] = day
                                    value = day
                            else:
                                value = None
                        elif kind == "s":
                            value = strings[int(value)] if value else None
                        elif kind == "inlineStr":
                            if not plain:
                                value = clean_cell(value)
                        elif value == "":
                            value = None
                        elif value is not None:
                            if kind == "b":
                                value = bool(int(value))
                            elif kind == "d":
                                value = from_ISO8601(value)
                            # "str" (a formula's text) and "e" (an error such as #N/A) stay as written
                        if position >= width:
                            if position >= max_columns:
                                raise too_large(
                                    _("文件：第 %(row)s 行超过 %(n)s 列的上限，请删去多余的列后重新上传。"),
                                    max_columns,
                                    row=number,
                                )
                            values.extend([None] * (position + 1 - width))
                            width = position + 1
                        values[position] = value
                        position += 1
                    expected, seen, cells = number + 1, seen + 1, cells + len(row)
                    if seen > max_rows:
                        raise too_large(_("文件：超过 %(n)s 行的上限，请分成几个文件上传。"), max_rows)
                    if cells > max_cells:
                        raise too_large(_("文件：超过 %(n)s 个单元格的上限，请分成几个文件上传。"), max_cells)
                    if progress is not None and seen % _PROGRESS_EVERY == 0:
                        progress(min(source.done / size, 1.0))
                    yield number, values
            except (ParseError, IndexError, ValueError, zipfile.BadZipFile):
                raise bad_file() from None


def open_workbook(file) -> Workbook:
    return Workbook(file)
