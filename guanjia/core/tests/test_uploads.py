"""core.uploads with crafted files (issue 10): the content decides, limits per kind, images re-encoded."""

import io
import time
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image

from guanjia.core import uploads
from guanjia.core.errors import ServiceError
from guanjia.core.tests.uploads import (
    GPS_TAG,
    PDF,
    PHP_AS_JPG,
    SVG_WITH_SCRIPT,
    bomb_png,
    jpeg,
    jpeg_bytes,
    png,
)


def refused(file, kind=uploads.PHOTO, field="photos", **kwargs) -> ServiceError:
    with pytest.raises(ServiceError) as error:
        uploads.accept(file, kind=kind, field=field, **kwargs)
    assert error.value.field == field
    return error.value


def opened(stored) -> Image.Image:
    stored.seek(0)
    return Image.open(io.BytesIO(stored.read()))


def office(name, parts: dict) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        for part, content in parts.items():
            archive.writestr(part, content)
    return SimpleUploadedFile(name, buffer.getvalue())


def test_a_php_or_html_page_named_jpg_is_not_a_photo_whatever_the_client_says():
    file = SimpleUploadedFile("leak.jpg", PHP_AS_JPG, content_type="image/jpeg")
    error = refused(file)
    assert error.code == "bad_file_type" and "leak.jpg" in error.message and "按文件内容判断" in error.message
    assert refused(SimpleUploadedFile("a.jpg", b"\xff\xd8\xff" + PHP_AS_JPG)).code == "bad_image"  # JPEG magic, no JPEG


@pytest.mark.parametrize("kind", [uploads.PHOTO, uploads.DOCUMENT])
def test_an_svg_is_refused_it_can_carry_scripts(kind):
    for name in ("logo.svg", "logo.png"):
        error = refused(SimpleUploadedFile(name, SVG_WITH_SCRIPT, content_type="image/png"), kind=kind)
        assert error.code == "svg_refused" and "脚本" in error.message
    assert (
        refused(SimpleUploadedFile("x.svg", b"\xef\xbb\xbf  <svg onload='alert(1)'/>"), kind=kind).code == "svg_refused"
    )


def test_a_decompression_bomb_is_refused_from_its_header():
    data = bomb_png()
    assert len(data) < 100_000  # 20000 × 20000 pixels in a small file
    started = time.monotonic()
    error = refused(SimpleUploadedFile("bomb.png", data))
    assert error.code == "image_too_large" and "尺寸过大" in error.message
    assert time.monotonic() - started < 2  # never decoded


def test_pillow_itself_refuses_bombs_in_every_other_image_field():
    assert uploads.max_pixels() == Image.MAX_IMAGE_PIXELS
    with pytest.raises(Image.DecompressionBombError):
        Image.open(io.BytesIO(bomb_png()))


@override_settings(UPLOAD_IMAGE_MAX_PIXELS=100 * 100)
def test_the_pixel_limit_is_a_setting():
    assert refused(jpeg(size=(101, 100))).code == "image_too_large"
    assert uploads.accept(jpeg(size=(100, 100)), kind=uploads.PHOTO)


def test_size_limits_per_kind():
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * (uploads.max_bytes(uploads.PHOTO)))
    error = refused(big)
    assert error.code == "file_too_large" and "10MB" in error.message
    assert uploads.accept(big, kind=uploads.DOCUMENT, field="file").name == "big.pdf"  # 20 MB for papers
    with override_settings(UPLOAD_MAX_BYTES={uploads.DOCUMENT: 1024}):
        assert refused(big, kind=uploads.DOCUMENT, field="file").code == "file_too_large"
    assert refused(SimpleUploadedFile("empty.jpg", b"")).code == "empty_file"
    assert refused(SimpleUploadedFile("a.xlsx", PDF), kind=uploads.SPREADSHEET, field="file", limit=10).code == (
        "file_too_large"
    )


def test_a_jpeg_is_re_encoded_without_its_exif_gps_position():
    original = jpeg_bytes(gps=True)
    assert GPS_TAG in Image.open(io.BytesIO(original)).getexif()  # the attack: the owner's home, to the metre
    stored = uploads.accept(SimpleUploadedFile("家.jpg", original), kind=uploads.PHOTO)
    image = opened(stored)
    assert stored.name == "家.jpg" and image.format == "JPEG" and image.size == (64, 48)
    assert not image.getexif() and "exif" not in image.info
    stored.seek(0)
    assert b"Exif" not in stored.read()


def test_the_cameras_orientation_is_applied_before_exif_goes():
    stored = uploads.accept(jpeg(size=(60, 20), orientation=6), kind=uploads.PHOTO)  # 6: rotate 90° to view
    assert opened(stored).size == (20, 60)


def test_dimensions_are_capped_and_transparency_kept():
    stored = uploads.accept(jpeg(size=(5000, 1000)), kind=uploads.PHOTO)
    assert opened(stored).size == (4096, 819)
    stored = uploads.accept(png("平面图.png"), kind=uploads.DOCUMENT)
    image = opened(stored)
    assert stored.name == "平面图.png" and image.format == "PNG" and image.mode == "RGBA"


def test_a_pdf_renamed_jpg_is_no_photo_but_a_document_stored_as_the_pdf_it_is():
    assert refused(SimpleUploadedFile("合同.jpg", PDF, content_type="image/jpeg")).code == "bad_file_type"
    stored = uploads.accept(SimpleUploadedFile("合同.jpg", PDF), kind=uploads.DOCUMENT, field="file")
    assert stored.name == "合同.pdf"
    stored.seek(0)
    assert stored.read() == PDF


def test_office_files_by_their_zip_structure_and_no_macros():
    docx = uploads.accept(office("合同.bin", {"word/document.xml": "<w/>"}), kind=uploads.DOCUMENT)
    assert docx.name == "合同.docx"
    assert uploads.accept(office("表.zip", {"xl/workbook.xml": "<w/>"}), kind=uploads.SPREADSHEET).name == "表.xlsx"
    macro = office("invoice.docx", {"word/document.xml": "<w/>", "word/vbaProject.bin": "MZ"})
    assert refused(macro, kind=uploads.DOCUMENT, field="file").code == "macro_refused"
    assert refused(office("a.docx", {"payload.exe": "MZ"}), kind=uploads.DOCUMENT, field="file").code == (
        "bad_file_type"
    )
    assert refused(office("a.docx", {"word/document.xml": "<w/>"}), kind=uploads.SPREADSHEET, field="file").code == (
        "bad_file_type"
    )


def test_old_office_files_by_their_ole_directory():
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    doc = ole + "WordDocument".encode("utf-16-le")
    assert uploads.accept(SimpleUploadedFile("旧合同.xls", doc), kind=uploads.DOCUMENT).name == "旧合同.doc"
    xls = ole + "Workbook".encode("utf-16-le")
    assert uploads.accept(SimpleUploadedFile("旧表", xls), kind=uploads.DOCUMENT).name == "旧表.xls"
    assert refused(SimpleUploadedFile("a.doc", ole), kind=uploads.DOCUMENT, field="file").code == "bad_file_type"


def test_the_stored_name_is_clean_text_without_a_path():
    stored = uploads.accept(
        SimpleUploadedFile("照片\x0b1.jpg", jpeg_bytes()), kind=uploads.PHOTO
    )  # Django keeps only the base name
    assert stored.name == "照片 1.jpg"  # the line break Word left becomes a space in a name
    nameless = uploads.accept(SimpleUploadedFile(".jpg", jpeg_bytes()), kind=uploads.PHOTO)
    assert nameless.name == "照片.jpg"
