"""Documents the pre-check tests render themselves: a resident ID card's two sides and plain
papers, drawn with Pillow in the system's Noto CJK font (fonts-noto-cjk, scripts/install-precheck-deps),
plus hostile files built byte by byte."""
from __future__ import annotations

import glob
import io
import struct
import zipfile
import zlib
from datetime import date

import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from bot.identifiers import id_check_char


def cjk_font_path() -> str:
    found = sorted(glob.glob("/usr/share/fonts/**/NotoSansCJK-Regular.tt*", recursive=True)) or \
        sorted(glob.glob("/usr/share/fonts/**/*CJK*.tt*", recursive=True))
    if not found:
        pytest.fail("no CJK font under /usr/share/fonts: run scripts/install-precheck-deps (fonts-noto-cjk)")
    return found[0]


def _font(size: int = 22) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(cjk_font_path(), size)


def paper(lines: list[str], width: int = 560, size: int = 22) -> Image.Image:
    im = Image.new("RGB", (width, 24 + len(lines) * (size + 18)), (250, 250, 246))
    draw = ImageDraw.Draw(im)
    for n, line in enumerate(lines):
        draw.text((16, 12 + n * (size + 18)), line, font=_font(size), fill=(20, 20, 20))
    return im


def id_number(first17: str = "51160219900101123") -> str:
    return first17 + id_check_char(first17)


def wrong_check(number: str) -> str:
    return number[:17] + ("1" if number[17] != "1" else "2")


def id_front(name: str, number: str) -> Image.Image:
    return paper([f"姓名 {name}", "性别 男  民族 汉", "出生 1990年1月1日", "住址 四川省广安市广安区", f"公民身份号码 {number}"])


def id_back(valid_from: date, valid_to: date | None) -> Image.Image:
    until = "长期" if valid_to is None else f"{valid_to:%Y.%m.%d}"
    return paper(["中华人民共和国", "居民身份证", "签发机关 广安市公安局广安区分局", f"有效期限 {valid_from:%Y.%m.%d}-{until}"])


def rotated_blurred(im: Image.Image) -> Image.Image:
    """A phone photo taken sideways and a little out of focus."""
    return im.filter(ImageFilter.GaussianBlur(0.8)).rotate(90, expand=True, fillcolor=(250, 250, 246))


def jpeg(im: Image.Image, **kw) -> bytes:
    out = io.BytesIO()
    im.save(out, format="JPEG", quality=90, **kw)
    return out.getvalue()


def png(im: Image.Image) -> bytes:
    out = io.BytesIO()
    im.save(out, format="PNG")
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(side: int = 60_000) -> bytes:
    """A PNG that claims side×side pixels (3.6 gigapixels) in a few hundred bytes: one compressed
    row of zeros repeated (decoding it would take gigabytes)."""
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1-bit greyscale
    raw = zlib.compress(b"\x00" * (1 + side // 8) * 64, 9)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", raw) + _chunk(b"IEND", b"")


def zip_bomb() -> bytes:
    """A ZIP whose one member inflates 20 MB of zeros from a few kilobytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("身份证.jpg", b"\x00" * 20_000_000)
    return out.getvalue()


SVG_SCRIPT = (b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
              b'<script>fetch("/api/uploads/check")</script><text>\xe5\xb1\x85\xe6\xb0\x91\xe8\xba\xab\xe4\xbb\xbd\xe8\xaf\x81</text></svg>')


def pdf_with_text(lines: list[str], javascript: bool = False) -> bytes:
    """A PDF with a CJK text layer (ReportLab's STSong-Light); with ``javascript`` an OpenAction
    script a viewer would run on opening."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.setFont("STSong-Light", 14)
    for n, line in enumerate(lines):
        c.drawString(72, 760 - 22 * n, line)
    c.showPage()
    c.save()
    data = buf.getvalue()
    if javascript:
        from pypdf import PdfReader, PdfWriter
        from pypdf.generic import DictionaryObject, NameObject, TextStringObject

        writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
        writer._root_object[NameObject("/OpenAction")] = DictionaryObject({
            NameObject("/S"): NameObject("/JavaScript"), NameObject("/JS"): TextStringObject("app.alert('pwned');")})
        out = io.BytesIO()
        writer.write(out)
        data = out.getvalue()
    return data


def pdf_scan(im: Image.Image) -> bytes:
    """A scanned PDF: one page holding only a picture, no text layer."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.drawImage(ImageReader(im), 40, 400, width=im.width, height=im.height)
    c.showPage()
    c.save()
    return buf.getvalue()
