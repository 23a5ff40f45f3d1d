"""Crafted upload files for the tests of core.uploads and of every path that takes a file (issue 10)."""

import io
import struct
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

# Shanghai, as a phone camera writes it: GPSInfo (tag 34853) in the EXIF of the JPEG.
GPS = {1: "N", 2: (31.0, 13.0, 50.0), 3: "E", 4: (121.0, 28.0, 12.0)}
GPS_TAG = 0x8825


def jpeg_bytes(size=(64, 48), colour=(200, 30, 30), *, gps: bool = False, orientation: int | None = None) -> bytes:
    image = Image.new("RGB", size, colour)
    exif = Image.Exif()
    if gps:
        exif[GPS_TAG] = GPS
    if orientation:
        exif[0x0112] = orientation
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif.tobytes())
    return buffer.getvalue()


def png_bytes(size=(32, 32), colour=(0, 120, 200, 255), mode="RGBA") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, size, colour if mode == "RGBA" else colour[:3]).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg(name="photo.jpg", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(**kwargs), content_type="image/jpeg")


def png(name="photo.png", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(**kwargs), content_type="image/png")


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def bomb_png(width=20000, height=20000) -> bytes:
    """A valid PNG of width × height one-bit pixels, all black: a few tens of KB that would decode to
    hundreds of megabytes. Written row by row, so making it costs no memory either."""
    row = b"\x00" + b"\x00" * ((width + 7) // 8)  # filter byte "none", then the packed bits
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


PHP_AS_JPG = b"<?php system($_GET['c']); ?>\n<html><body><script>alert(1)</script></body></html>\n"
SVG_WITH_SCRIPT = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.cookie)</script><rect width='10' height='10'/></svg>\n"
)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
