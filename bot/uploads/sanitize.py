"""Hostile-file handling of uploads. What a file is comes from its first bytes, never from its name
or the declared Content-Type. Accepted:

- JPEG, PNG, WebP photos: decoded by Pillow with a pixel limit checked on the header before any
  pixel is decoded (a decompression bomb is refused, not decoded), turned upright (EXIF), flattened
  to RGB, shrunk to at most ``MAX_SIDE`` pixels and re-encoded as a fresh JPEG: the stored image
  holds no byte of the upload (no metadata, no trailing payload);
- PDF: parsed by pypdf for its text layer and, for a scan without text, its first embedded images
  (decoded through the same image path); a PDF is never rendered or executed (no JavaScript, no
  forms, no external references followed). An encrypted or unparseable PDF is refused.

Everything else (SVG, ZIP and other archives, Office files, HTML, executables…) is refused with
a polite Chinese message (:class:`Rejected`)."""
from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field

from PIL import Image, ImageOps

MAX_SIDE = 2000
JPEG_QUALITY = 88
IMAGE_FORMATS = ("JPEG", "PNG", "WEBP")
PDF_IMAGES = 2  # embedded images of a scanned PDF read by OCR, at most
ACCEPTED = "请上传 JPG、PNG 或 WebP 格式的照片，或 PDF 文件"


class Rejected(ValueError):
    """An upload that is not accepted; ``code`` for the API, the message is for the citizen."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


@dataclass
class Clean:
    kind: str                         # image | pdf
    stored: bytes                     # what is kept (encrypted): the re-encoded JPEG, or the PDF
    media_type: str
    images: list[Image.Image] = field(default_factory=list)  # for OCR
    text: str = ""                    # a PDF's text layer


def sniff(data: bytes) -> str:
    head = data[:16]
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if data[:1024].lstrip().startswith(b"%PDF-") or head.startswith(b"%PDF-"):
        return "pdf"
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08") or head[:6] == b"7z\xbc\xaf\x27\x1c" \
            or head[:4] == b"Rar!" or head[:2] == b"\x1f\x8b":
        return "archive"
    text = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<") and (b"<svg" in text or b"<!doctype svg" in text):
        return "svg"
    return "other"


REFUSALS = {
    "archive": ("archive_not_allowed", "不接受压缩包（zip、rar 等），" + ACCEPTED),
    "svg": ("svg_not_allowed", "不接受 SVG 矢量图，" + ACCEPTED),
    "other": ("unsupported_type", "无法识别的文件类型，" + ACCEPTED),
}


def clean_image(data_or_image, max_pixels: int) -> tuple[bytes, Image.Image]:
    """The re-encoded JPEG and the decoded image; a bomb or a broken image raises :class:`Rejected`."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            if isinstance(data_or_image, Image.Image):
                im = data_or_image
            else:
                # only these decoders ever see the bytes (no other Pillow plugin parses an upload)
                im = Image.open(io.BytesIO(data_or_image), formats=IMAGE_FORMATS)
            width, height = im.size
            if width * height > max_pixels or width < 1 or height < 1:
                raise Rejected("image_too_large", "图片像素过大，请用手机正常拍照或适当缩小后再上传")
            im.load()
            im = ImageOps.exif_transpose(im)
            im = im.convert("RGB")
    except Rejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Rejected("image_too_large", "图片像素过大，请用手机正常拍照或适当缩小后再上传") from None
    except Exception:  # truncated, corrupt, or a decoder error: the reason stays out of the reply
        raise Rejected("broken_image", "图片无法打开（文件可能已损坏），请重新拍照上传") from None
    im.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    im.save(out, format="JPEG", quality=JPEG_QUALITY)
    return out.getvalue(), im


def clean_pdf(data: bytes, max_pages: int, max_pixels: int) -> Clean:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            raise Rejected("pdf_encrypted", "PDF 文件设置了密码，请去掉密码或改为拍照上传")
        pages = reader.pages
        if len(pages) > max_pages:
            raise Rejected("pdf_too_many_pages", f"PDF 页数过多（最多 {max_pages} 页），请只上传所需材料的页面")
        texts = [(page.extract_text() or "") for page in pages]
        images: list[Image.Image] = []
        if len("".join(texts).strip()) < 8:  # a scan: read its pictures instead
            for page in pages:
                for embedded in page.images:
                    if len(images) >= PDF_IMAGES:
                        break
                    try:
                        images.append(clean_image(embedded.data, max_pixels)[1])
                    except Rejected:
                        continue
    except Rejected:
        raise
    except Exception:
        raise Rejected("broken_pdf", "PDF 文件无法打开（可能已损坏），请重新导出或改为拍照上传") from None
    return Clean("pdf", data, "application/pdf", images, "\n".join(texts))


def clean(data: bytes, max_bytes: int, max_pixels: int, max_pages: int) -> Clean:
    if not data:
        raise Rejected("empty_file", "文件是空的，请重新选择")
    if len(data) > max_bytes:
        raise Rejected("file_too_large", f"文件过大（最大 {max_bytes // (1024 * 1024)} MB），请压缩后再上传")
    kind = sniff(data)
    if kind in REFUSALS:
        raise Rejected(*REFUSALS[kind])
    if kind == "pdf":
        return clean_pdf(data, max_pages, max_pixels)
    stored, image = clean_image(data, max_pixels)
    return Clean("image", stored, "image/jpeg", [image])
