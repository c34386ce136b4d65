"""Reviewer-safe media: blurred greyscale previews made on the server, originals on reveal only.

The browser never receives unblurred bytes before a reviewer asks for them (a CSS blur would still
ship the original), and every reveal is audited by the caller.
"""

from __future__ import annotations

import io
import threading
from pathlib import Path

from PIL import Image, ImageFilter, ImageOps

from takedown.cases.media import browser_copy_path
from takedown.cases.models import CaseMedia
from takedown.errors import MediaError, NotFound, UnsupportedMedia
from takedown.media import MediaFormat, decode
from takedown.media.browser_video import COPY_TYPE, plays_as_is, write_browser_copy
from takedown.media.formats import sniff
from takedown.settings import Settings

PREVIEW_BOX = 360  # px: longer side of a preview (or of each strip frame)
PREVIEW_BLUR_RADIUS = 14  # Gaussian radius at PREVIEW_BOX: shapes stay, details do not
STRIP_FRAMES = 8
BROWSER_FORMATS = {
    MediaFormat.JPEG: "image/jpeg",
    MediaFormat.PNG: "image/png",
    MediaFormat.GIF: "image/gif",
    MediaFormat.WEBP: "image/webp",
}
_copying = threading.Lock()  # one browser copy made at a time in a process


def working_copy_kept(settings: Settings, media: CaseMedia) -> bool:
    return (settings.media_dir / media.storage_path).is_file()


def media_path(settings: Settings, media: CaseMedia) -> Path:
    root = settings.media_dir.resolve()
    path = (root / media.storage_path).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise NotFound("the media file is missing from the media store", code="media_missing")
    return path


def _frames(settings: Settings, media: CaseMedia) -> tuple[list[Image.Image], bytes, MediaFormat]:
    data = media_path(settings, media).read_bytes()
    decoded = decode(data, settings=settings, filename=media.filename)
    if decoded.image is not None:
        return [decoded.image], data, decoded.format
    frames = [frame.image for frame in decoded.frames]
    if len(frames) > STRIP_FRAMES:
        step = len(frames) / STRIP_FRAMES
        frames = [frames[int(i * step)] for i in range(STRIP_FRAMES)]
    return frames, data, decoded.format


def _fit(image: Image.Image) -> Image.Image:
    image = image.copy()
    image.thumbnail((PREVIEW_BOX, PREVIEW_BOX), Image.Resampling.LANCZOS)
    return image


def _strip(images: list[Image.Image], mode: str) -> Image.Image:
    fitted = [_fit(image).convert(mode) for image in images]
    height = max(image.height for image in fitted)
    gap = 4
    width = sum(image.width for image in fitted) + gap * (len(fitted) - 1)
    canvas = Image.new(mode, (width, height), 255 if mode == "L" else (255, 255, 255))
    x = 0
    for image in fitted:
        canvas.paste(image, (x, 0))
        x += image.width + gap
    return canvas


def _blur(image: Image.Image) -> Image.Image:
    grey = ImageOps.grayscale(_fit(image))
    return grey.filter(ImageFilter.GaussianBlur(PREVIEW_BLUR_RADIUS))


def _jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80)
    return buffer.getvalue()


def blurred_preview(settings: Settings, media: CaseMedia) -> bytes:
    """A greyscale, heavily blurred JPEG: one image, or a strip of sampled video frames.

    Cached under data_dir/previews by the media's SHA-256 (the preview holds nothing to hide).
    """
    cache = settings.data_dir / "previews" / f"{media.sha256}.jpg"
    if cache.is_file():
        return cache.read_bytes()
    try:
        frames, _, _ = _frames(settings, media)
    except MediaError:
        return _jpeg(Image.new("L", (PREVIEW_BOX, PREVIEW_BOX // 2), 200))
    if len(frames) == 1:
        preview = _blur(frames[0])
    else:
        preview = _strip([_blur(frame) for frame in frames], "L")
    data = _jpeg(preview)
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(cache)
    return data


def original_for_reveal(settings: Settings, media: CaseMedia) -> tuple[bytes, str]:
    """(bytes, MIME type) shown after a reveal: the original image as uploaded when a browser
    can show it, else the decoded image; for videos, an unblurred strip of sampled frames."""
    frames, data, fmt = _frames(settings, media)
    if media.media_type == "image" and fmt in BROWSER_FORMATS:
        return data, BROWSER_FORMATS[fmt]
    image = frames[0] if len(frames) == 1 else _strip(frames, "RGB")
    return _jpeg(image.convert("RGB")), "image/jpeg"


def playable_video(settings: Settings, media: CaseMedia) -> str | None:
    """The MIME type of the player a reveal offers: the original's when a browser plays it as
    it is, else the copy's that every browser plays (made when first played); None for an
    image or a file of no video format."""
    if media.media_type != "video":
        return None
    path = media_path(settings, media)
    fmt = _format(path)
    if fmt is None:
        return None
    return plays_as_is(path, fmt) or COPY_TYPE


def video_for_player(settings: Settings, media: CaseMedia) -> tuple[Path, str]:
    """The file the player gets and its MIME type: the original, or the copy every browser
    plays, made now if it is not yet (media/browser_video.py; MediaError if it cannot be)."""
    path = media_path(settings, media)
    copy = browser_copy_path(settings, media.storage_path)
    if copy.is_file():  # made for this original before: the player asks once a range
        return copy, COPY_TYPE
    fmt = _format(path)
    if fmt is None:
        raise UnsupportedMedia("not a video format", code="unsupported_media_type")
    as_is = plays_as_is(path, fmt)
    if as_is:
        return path, as_is
    with _copying:  # a player asks for several ranges at once: make the copy once
        if not copy.is_file():
            write_browser_copy(path, fmt, copy, settings)
    return copy, COPY_TYPE


def _format(path: Path) -> MediaFormat | None:
    with path.open("rb") as handle:
        return sniff(handle.read(32))
