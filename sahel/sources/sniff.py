"""What a file really is, from its first bytes: so a misnamed one gets a message that says so."""

from __future__ import annotations

import io
import zipfile

# First bytes → what the file is and what to do (declared once; checked in order).
MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"\x1f\x8b", "a gzip archive (decompress it first)"),
    (b"BZh", "a bzip2 archive (decompress it first)"),
    (b"\xfd7zXZ\x00", "an xz archive (decompress it first)"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive (extract it first)"),
    (b"Rar!\x1a\x07", "a RAR archive (extract it first)"),
    (b"\x7fELF", "an executable program (ELF)"),
    (b"MZ", "a Windows program"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
     "an Excel 97–2003 .xls workbook (or another Office 97 file): save it as .xlsx or CSV"),
    (b"SQLite format 3\x00", "an SQLite database"),
)
# Parts that tell an Office or OpenDocument archive from a workbook.
_ZIP_KINDS: tuple[tuple[str, str], ...] = (
    ("word/document.xml", "a Word document, not a workbook"),
    ("ppt/presentation.xml", "a PowerPoint presentation, not a workbook"),
    ("content.xml", "an OpenDocument file: save it as .xlsx or CSV"),
)


def binary_kind(data: bytes) -> str | None:
    """Return what a non-table file is ("a PNG image"), or None when it may be text or a table."""
    for magic, kind in MAGIC:
        if data.startswith(magic):
            return kind
    if data[:4] == b"PK\x03\x04":
        return zip_kind(data)
    return None


def zip_kind(data: bytes) -> str | None:
    """Return what a ZIP archive is when it is not an XLSX workbook, else None."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return "a damaged ZIP archive or XLSX workbook"
    if "xl/workbook.xml" in names:
        return None
    for part, kind in _ZIP_KINDS:
        if part in names:
            return kind
    return "a ZIP archive, not an XLSX workbook (extract it first)"


def utf16_without_bom(data: bytes) -> str | None:
    """Return "utf-16-le"/"utf-16-be" when text looks like UTF-16 without a BOM, else None.

    Cheap: in the first 1,000 bytes, Latin-script UTF-16 has a zero byte in nearly every odd
    (little-endian) or even (big-endian) position, and text in other encodings has none.
    """
    head = data[:1000]
    if len(head) < 8:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) > 0.7 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.7 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None
