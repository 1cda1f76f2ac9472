"""Small JPEG thumbnails of attached photos, for the print-out of a complaint.

Attachments are untrusted files: a "photo" may be a decompression bomb, truncated, or not an image
at all. Every failure here means "no thumbnail", never a failed document.
"""

from __future__ import annotations

import io
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable

from PIL import Image, ImageOps

log = logging.getLogger(__name__)

# Types Pillow reads that phones and scanners actually send. SVG is deliberately absent: it is a
# document that can reference URLs, not a picture.
THUMBNAIL_TYPES = frozenset(
    {
        "image/jpeg",
        "image/jpg",
        "image/pjpeg",
        "image/png",
        "image/gif",
        "image/webp",
        "image/bmp",
        "image/x-ms-bmp",
        "image/tiff",
    }
)
# A 50-megapixel photo is a large phone camera; anything bigger is refused after reading the header
# and before decoding (below Pillow's own bomb threshold, so its warning never fires).
MAX_PIXELS = 50_000_000
# The pixels actually decoded. A JPEG decodes at 1/2..1/8 scale (`draft`), so a 48 MP phone photo
# costs under 1 MP; PNG, GIF, TIFF, BMP and WebP decode every pixel (a blank 49 MP PNG took 1.5 s).
# 12 MP still takes a phone screenshot or an A4 page scanned at 300 dpi (8.7 MP).
PIXEL_BUDGET = 12_000_000
MAX_BYTES = 30 * 1024 * 1024
THUMBNAIL_BOX = (360, 360)


def can_thumbnail(content_type: str) -> bool:
    return content_type.split(";")[0].strip().lower() in THUMBNAIL_TYPES


def make_thumbnail(data: bytes, box: tuple[int, int] = THUMBNAIL_BOX) -> bytes:
    """A JPEG no larger than `box`, upright per EXIF; b"" when the bytes are not a usable image."""
    if not data or len(data) > MAX_BYTES:
        return b""
    try:
        return _thumbnail(data, box)
    except Exception as exc:  # noqa: BLE001 - a hostile file can raise almost anything in a decoder
        log.info("no thumbnail: %s", type(exc).__name__)
        return b""


def _thumbnail(data: bytes, box: tuple[int, int]) -> bytes:
    with Image.open(io.BytesIO(data)) as img:
        width, height = img.size
        if width <= 0 or height <= 0 or width * height > MAX_PIXELS:
            return b""
        # JPEG can decode at 1/2..1/8 scale directly: far faster for 12 MP phone photos.
        img.draft("RGB", (box[0] * 2, box[1] * 2))
        width, height = img.size  # after draft: what will really be decoded
        if width * height > PIXEL_BUDGET:
            log.info("no thumbnail: %d pixels to decode, over the budget", width * height)
            return b""
        upright = ImageOps.exif_transpose(img)
        upright.thumbnail(box)
        out = io.BytesIO()
        _flatten(upright).save(out, "JPEG", quality=80, optimize=True)
        return out.getvalue()


def _flatten(img: Image.Image) -> Image.Image:
    """RGB on white: JPEG has no alpha, and a transparent PNG must not turn black."""
    if img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        canvas = Image.new("RGB", rgba.size, "white")
        canvas.paste(rgba, mask=rgba.getchannel("A"))
        return canvas
    return img.convert("RGB")


class ThumbnailCache:
    """Each attachment's thumbnail made once, by the attachment's SHA-256.

    Every document of a case shows the same attachments, and a case's documents are rendered one
    after the other: without this, each photo was decoded again for each of them. A failure is
    remembered too, so a hostile file costs one attempt, not one per document. Bounded: the oldest
    entries go first (about 30 KB each).
    """

    def __init__(self, capacity: int = 200) -> None:
        self._made: OrderedDict[str, bytes] = OrderedDict()
        self._capacity = capacity
        # The documents job renders with several threads: one decode at a time (the pixel
        # budget is per decode) and a consistent order of entries.
        self._lock = threading.Lock()

    def get(self, sha256: str, read: Callable[[], bytes]) -> bytes:
        """The thumbnail of the attachment `sha256`; `read()` is called only the first time."""
        with self._lock:
            if sha256 in self._made:
                self._made.move_to_end(sha256)
                return self._made[sha256]
            thumbnail = make_thumbnail(read())
            if sha256:  # no hash, no identity: made, not remembered
                self._made[sha256] = thumbnail
                if len(self._made) > self._capacity:
                    self._made.popitem(last=False)
            return thumbnail
