"""Uploaded photos and documents (issue 10): one gate for every upload path.

What a file is comes from its content (magic bytes, then Pillow or the zip directory), never from
its name or the content type the client sent: a PHP page named .jpg is not a photo, a PDF named
.jpg is stored as the PDF it is. Each kind has a size limit (settings.UPLOAD_MAX_BYTES). Images
are decoded and written again (JPEG, or PNG where there is transparency): metadata such as EXIF
GPS positions is not copied, the orientation the camera recorded is applied first, the long side
is capped (settings.UPLOAD_IMAGE_MAX_SIDE) and a decompression bomb (a small file that claims an
enormous picture) is refused from its header before any pixel is decoded
(settings.UPLOAD_IMAGE_MAX_PIXELS, also set as Pillow's own `Image.MAX_IMAGE_PIXELS`, so the
form and API image fields that open an upload before the service does are guarded too). SVG is
refused outright: it is a document that can carry scripts, not a picture.

`accept(file, kind=..., field=...)` is what a service calls before it stores a file; it returns
the file to store (named after what it is) or raises a ServiceError naming the file.
"""

from __future__ import annotations

import io
import os
import warnings
import zipfile

from django.conf import settings
from django.core.files.base import ContentFile, File
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps

from .errors import ServiceError
from .textnorm import clean_text

PHOTO, DOCUMENT, SPREADSHEET = "photo", "document", "spreadsheet"

_MB = 1024 * 1024
DEFAULT_MAX_BYTES = {PHOTO: 10 * _MB, DOCUMENT: 20 * _MB, SPREADSHEET: 20 * _MB}
DEFAULT_MAX_PIXELS = 64_000_000  # a 48-megapixel phone photo passes; 20000 × 20000 does not
DEFAULT_MAX_SIDE = 4096

_IMAGES = {"jpeg", "png", "gif", "webp"}
_ACCEPTED = {
    PHOTO: _IMAGES,
    DOCUMENT: _IMAGES | {"pdf", "docx", "xlsx", "doc", "xls"},
    SPREADSHEET: {"xlsx"},
}
_WHAT = {
    PHOTO: gettext_lazy("JPEG、PNG、WebP 或 GIF 图片"),
    DOCUMENT: gettext_lazy("PDF、图片（JPEG、PNG）、Word 或 Excel 文件"),
    SPREADSHEET: gettext_lazy("Excel（.xlsx）文件"),
}
_EXTENSION = {"jpeg": ".jpg", "png": ".png", "gif": ".gif", "webp": ".webp", "pdf": ".pdf"}
_EXTENSION |= {"docx": ".docx", "xlsx": ".xlsx", "doc": ".doc", "xls": ".xls"}
_PILLOW_FORMATS = {"jpeg": {"JPEG", "MPO"}, "png": {"PNG"}, "gif": {"GIF"}, "webp": {"WEBP"}}  # MPO: phones' JPEG
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HEAD = 4096


def max_bytes(kind: str) -> int:
    return {**DEFAULT_MAX_BYTES, **getattr(settings, "UPLOAD_MAX_BYTES", {})}[kind]


def max_pixels() -> int:
    return getattr(settings, "UPLOAD_IMAGE_MAX_PIXELS", DEFAULT_MAX_PIXELS)


def max_side() -> int:
    return getattr(settings, "UPLOAD_IMAGE_MAX_SIDE", DEFAULT_MAX_SIDE)


# Pillow's own guard, for every open in the process (Django's and DRF's ImageField open an upload
# before a service sees it): above this it warns, above twice this it refuses.
Image.MAX_IMAGE_PIXELS = max_pixels()


def _refuse(code: str, message: str, field: str):
    return ServiceError(code, message, field=field)


def _read_all(file) -> bytes:
    file.seek(0)
    data = file.read()
    file.seek(0)
    return data


def _zip_kind(file) -> str | None:
    try:
        with zipfile.ZipFile(file) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    finally:
        file.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        return "macro"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "word/document.xml" in names:
        return "docx"
    return None


def _ole_kind(file) -> str | None:
    # The directory of an OLE2 file names its streams in UTF-16: Word's main stream is
    # "WordDocument", Excel's "Workbook" (97 and later) or "Book" (5.0).
    data = _read_all(file)
    if "WordDocument".encode("utf-16-le") in data:
        return "doc"
    if "Workbook".encode("utf-16-le") in data or "Book\x00".encode("utf-16-le") in data:
        return "xls"
    return None


def sniff(file) -> str | None:
    """What `file` is by its content: "jpeg", "png", "gif", "webp", "pdf", "docx", "xlsx", "doc",
    "xls", "svg", "macro" (an Office file with macros), or None for anything else."""
    file.seek(0)
    head = file.read(_HEAD)
    file.seek(0)
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(file)
    if head.startswith(_OLE):
        return _ole_kind(file)
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"<svg" in text and (text.startswith(b"<?xml") or text.startswith(b"<svg") or text.startswith(b"<!doctype")):
        return "svg"
    return None


def _stem(name: str, fallback: str) -> str:
    base = os.path.basename(name.replace("\\", "/"))
    stem = base.rsplit(".", 1)[0] if "." in base else base  # ".jpg" has no stem (splitext says it has)
    return clean_text(stem)[:80] or fallback


def _reencode(file, kind: str, detected: str, label: str, field: str) -> ContentFile:
    name = getattr(file, "name", "") or ""
    shown = os.path.basename(name) or _("图片")
    broken = _refuse("bad_image", _("“%(name)s”已损坏，无法作为图片打开，请重新选择。") % {"name": shown}, field)
    limit = max_pixels()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # checked just below
            probe = Image.open(file)  # reads the header only
            width, height = probe.size
            if width * height > limit:
                raise _refuse(
                    "image_too_large",
                    _("“%(name)s”的尺寸过大（%(w)s×%(h)s 像素），请缩小到 %(mp)s 百万像素以内再上传。")
                    % {"name": shown, "w": width, "h": height, "mp": limit // 1_000_000},
                    field,
                )
            if probe.format not in _PILLOW_FORMATS[detected]:
                raise broken
            probe.verify()
            file.seek(0)
            image = Image.open(file)
            if image.format in ("JPEG", "MPO"):
                image.draft("RGB", (max_side(), max_side()))  # a large JPEG is decoded at 1/2, 1/4 …
            image.load()
            image = ImageOps.exif_transpose(image)  # the camera's orientation, before EXIF is dropped
    except Image.DecompressionBombError:
        raise _refuse(
            "image_too_large",
            _("“%(name)s”的尺寸过大，请缩小到 %(mp)s 百万像素以内再上传。") % {"name": shown, "mp": limit // 1_000_000},
            field,
        ) from None
    except ServiceError:
        raise
    except Exception:  # Pillow raises many kinds (OSError, SyntaxError, ValueError …) on a bad file
        raise broken from None
    finally:
        file.seek(0)
    image.thumbnail((max_side(), max_side()), Image.Resampling.LANCZOS)
    transparent = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    out = io.BytesIO()
    # No save is given exif=, icc_profile= or pnginfo=: nothing of the original's metadata is kept.
    clean = image.convert("RGBA" if transparent else "RGB")
    clean.info = {}  # nor anything Pillow would carry over on its own (EXIF, ICC, comments)
    if transparent:
        clean.save(out, "PNG", optimize=True)
        extension = ".png"
    else:
        clean.save(out, "JPEG", quality=85, optimize=True)
        extension = ".jpg"
    return ContentFile(out.getvalue(), name=_stem(name, label) + extension)


def accept(file, *, kind: str, field: str = "file", limit: int | None = None):
    """The file to store for an upload of `kind` (PHOTO, DOCUMENT, SPREADSHEET), or a ServiceError.

    Images come back re-encoded as a new file; other documents as `file` itself under a name whose
    extension says what the content is. `limit` replaces the kind's size limit (an import kind
    declares its own)."""
    limit = limit or max_bytes(kind)
    name = getattr(file, "name", "") or ""
    shown = os.path.basename(name) or _("文件")
    size = getattr(file, "size", None)
    if size is None:
        size = len(_read_all(file))
    if size > limit:
        raise _refuse(
            "file_too_large",
            _("“%(name)s”超过 %(mb)sMB，请压缩后再上传。") % {"name": shown, "mb": f"{limit / _MB:g}"},
            field,
        )
    if size == 0:
        raise _refuse("empty_file", _("“%(name)s”是空文件，请重新选择。") % {"name": shown}, field)
    detected = sniff(file)
    if detected == "svg":
        raise _refuse(
            "svg_refused",
            _("“%(name)s”是 SVG 图片，其中可以含有脚本，不能上传；请另存为 PNG 或 JPEG 后再上传。") % {"name": shown},
            field,
        )
    if detected == "macro":
        raise _refuse(
            "macro_refused",
            _("“%(name)s”含有宏，不能上传；请另存为不含宏的 .docx 或 .xlsx 后再上传。") % {"name": shown},
            field,
        )
    if detected not in _ACCEPTED[kind]:
        raise _refuse(
            "bad_file_type",
            _("“%(name)s”的内容不是%(what)s（按文件内容判断，与扩展名无关），请重新选择。")
            % {"name": shown, "what": _WHAT[kind]},
            field,
        )
    label = str(_("照片") if kind == PHOTO else _("文件"))
    if detected in _IMAGES:
        return _reencode(file, kind, detected, label, field)
    return File(file, name=_stem(name, label) + _EXTENSION[detected])
