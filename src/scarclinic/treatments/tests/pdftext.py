"""Text of an uncompressed fpdf2 PDF, for tests (no PDF library is installed).

Core fonts write Latin-1 strings; embedded Unicode fonts write two-byte glyph ids that the
font's ToUnicode CMap maps back to characters. Enough for fpdf2's own output, not a general
PDF parser."""

from __future__ import annotations

import re
import zlib

_OBJECT = re.compile(rb"(\d+) 0 obj\s*(.*?)\s*endobj", re.S)
_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
_FONT_REF = re.compile(rb"/F(\d+) (\d+) 0 R")
_STRING = rb"\(((?:\\.|[^\\)])*)\)"
_ANY_STRING = rb"\((?:\\.|[^\\)])*\)"
_TEXT = re.compile(
    rb"/F(\d+) [\d.]+ Tf|" + _STRING + rb" Tj|\[((?:" + _ANY_STRING + rb"|[^\]()])*)\] TJ", re.S
)
# In a TJ array, a large negative adjustment is a justified line's word space.
_TJ_PART = re.compile(_STRING + rb"|(-?[\d.]+)", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _unescape(raw: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(raw):
        byte = raw[i : i + 1]
        if byte != b"\\":
            out += byte
            i += 1
            continue
        following = raw[i + 1 : i + 2]
        octal = re.match(rb"[0-7]{1,3}", raw[i + 1 : i + 4])
        if octal:
            out.append(int(octal.group(), 8) & 0xFF)
            i += 1 + len(octal.group())
        else:
            out += _ESCAPES.get(following, following)
            i += 2
    return bytes(out)


def _cmap(stream: bytes) -> dict[int, str]:
    mapping: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", stream, re.S):
        for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            mapping[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", stream, re.S):
        for lo, hi, dst in re.findall(
            rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
        ):
            start = int(dst, 16)
            for offset, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                mapping[code] = chr(start + offset)
    return mapping


def pdf_text(pdf: bytes) -> str:
    """All text shown by Tj operators, one string per operator, joined by spaces."""
    objects = {int(n): body for n, body in _OBJECT.findall(pdf)}
    fonts: dict[int, dict[int, str] | None] = {}
    for body in objects.values():
        if b"/Font" not in body:
            continue
        for name, ref in _FONT_REF.findall(body):
            font = objects.get(int(ref), b"")
            to_unicode = re.search(rb"/ToUnicode (\d+) 0 R", font)
            if to_unicode is None:
                fonts[int(name)] = None  # a core font: Latin-1
                continue
            stream = _STREAM.search(objects[int(to_unicode.group(1))])
            fonts[int(name)] = _cmap(stream.group(1)) if stream else {}
    pieces: list[str] = []
    for body in objects.values():
        stream = _STREAM.search(body)
        if stream is None or b" Tj" not in stream.group(1):
            continue
        current: dict[int, str] | None = None
        for match in _TEXT.finditer(stream.group(1)):
            font, text, array = match.group(1), match.group(2), match.group(3)
            if font:
                current = fonts.get(int(font))
            elif array is not None:
                words = []
                for part in _TJ_PART.finditer(array):
                    if part.group(1) is not None:
                        words.append(_decode(_unescape(part.group(1)), current))
                    elif float(part.group(2)) < -100:
                        words.append(" ")
                pieces.append("".join(words))
            else:
                pieces.append(_decode(_unescape(text), current))
    return re.sub(r"\s+", " ", " ".join(pieces))


def _decode(raw: bytes, cmap: dict[int, str] | None) -> str:
    if cmap is None:
        return raw.decode("latin-1")
    codes = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw), 2)]
    return "".join(cmap.get(code, "\ufffd") for code in codes)


def inflated(pdf: bytes) -> bytes:
    """``pdf`` with its Flate-compressed streams written out, so that ``pdf_text`` reads a
    PDF as a view serves it."""

    def inflate(match: re.Match[bytes]) -> bytes:
        try:
            return b"stream\n" + zlib.decompress(match.group(1)) + b"\nendstream"
        except zlib.error:
            return match.group(0)

    return re.sub(rb"stream\r?\n(.*?)\r?\nendstream", inflate, pdf, flags=re.S)


def pdf_title(pdf: bytes) -> str:
    """The document's /Title: a literal string or UTF-16 hex with a byte order mark."""
    match = re.search(rb"/Title\s*(<[0-9A-Fa-f]+>|\((?:\\.|[^\\)])*\))", pdf)
    if match is None:
        return ""
    raw = match.group(1)
    hexadecimal = raw.startswith(b"<")
    data = bytes.fromhex(raw[1:-1].decode()) if hexadecimal else _unescape(raw[1:-1])
    if data.startswith(b"\xfe\xff"):
        return data[2:].decode("utf-16-be")
    return data.decode("latin-1")
