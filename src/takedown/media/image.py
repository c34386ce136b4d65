"""Still and animated images through Pillow (HEIC via pillow-heif, AVIF via Pillow itself)."""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageSequence

from takedown.errors import CorruptMedia, MediaTooLarge
from takedown.media.formats import MediaFormat
from takedown.media.limits import Deadline, check_duration, check_pixels
from takedown.media.model import DecodedMedia, MediaType, block_for, hash_size
from takedown.media.sampling import FrameSampler
from takedown.settings import Settings

_PILLOW_FORMATS = {
    MediaFormat.JPEG: "JPEG",
    MediaFormat.PNG: "PNG",
    MediaFormat.GIF: "GIF",
    MediaFormat.WEBP: "WEBP",
    MediaFormat.BMP: "BMP",
    MediaFormat.TIFF: "TIFF",
    MediaFormat.HEIC: "HEIF",
    MediaFormat.AVIF: "AVIF",
}
_ANIMATED_FORMATS = {MediaFormat.GIF, MediaFormat.WEBP, MediaFormat.PNG}
# Browsers play GIF frames that claim 0-10 ms as 100 ms; so do we, so timestamps look real.
_MIN_FRAME_MS = 20
_DEFAULT_FRAME_MS = 100
_heif_registered = False
_EXIF_ORIENTATION = 0x0112
_SWAPS_AXES = {
    Image.Transpose.ROTATE_90,
    Image.Transpose.ROTATE_270,
    Image.Transpose.TRANSPOSE,
    Image.Transpose.TRANSVERSE,
}
_EXIF_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _register_heif() -> None:
    global _heif_registered
    if not _heif_registered:
        from pillow_heif import register_heif_opener

        register_heif_opener()
        _heif_registered = True


def shrink(image: Image.Image, size: tuple[int, int] | None = None) -> Image.Image:
    """RGB at `size` (default: hash_size of the image as it is)."""
    if image.mode != "RGB":
        image = image.convert("RGB")
    size = size or hash_size(image.width, image.height)
    if size == image.size:
        return image
    # Box-average by whole factors (as PDQ's own box filter would), then pick pixels for the
    # remaining factor below 2: measured closest to full resolution, and the cheapest.
    factor = (max(1, image.width // size[0]), max(1, image.height // size[1]))
    if factor != (1, 1):
        image = image.reduce(factor)
    if image.size != size:
        image = image.resize(size, Image.Resampling.NEAREST)
    return image


def _orientation(image: Image.Image) -> Image.Transpose | None:
    """The transpose that EXIF Orientation asks for (as ImageOps.exif_transpose applies it)."""
    try:
        return _EXIF_TRANSPOSE.get(image.getexif().get(_EXIF_ORIENTATION, 1))
    except Exception:
        return None  # a broken EXIF block should not make a decodable image unusable


def decode_image(
    data: bytes, fmt: MediaFormat, *, settings: Settings, frames_per_second: float
) -> DecodedMedia:
    if fmt is MediaFormat.HEIC:
        _register_heif()
    with warnings.catch_warnings():
        # Our own pixel limit applies, and hostile files make Pillow warn a lot: noise in logs.
        warnings.simplefilter("ignore")
        try:
            image = Image.open(io.BytesIO(data), formats=[_PILLOW_FORMATS[fmt]])
        except Image.DecompressionBombError as exc:
            raise MediaTooLarge(str(exc), code="too_many_pixels") from exc
        width, height = image.size
        check_pixels(width, height, settings.max_image_pixels)
        if fmt in _ANIMATED_FORMATS and getattr(image, "is_animated", False):
            return _decode_animation(image, fmt, settings=settings, fps=frames_per_second)
        block = block_for(width, height)
        if fmt is MediaFormat.JPEG and block > 1:
            # libjpeg averages 2x2, 4x4 or 8x8 blocks while decoding: far less work and memory.
            image.draft("RGB", (-(-width // block), -(-height // block)))
        image.load()
    orientation = _orientation(image)
    blocked = _average_blocks(image, width, block)
    swapped = orientation in _SWAPS_AXES
    return DecodedMedia(
        media_type=MediaType.IMAGE,
        format=fmt,
        width=width,
        height=height,
        image=blocked.transpose(orientation) if orientation is not None else blocked,
        block=block,
        full_size=(height, width) if swapped else (width, height),
    )


def _average_blocks(image: Image.Image, full_width: int, block: int) -> Image.Image:
    """RGB averaged over `block` x `block` pixels (finishing what a JPEG draft began)."""
    if image.mode != "RGB":
        image = image.convert("RGB")
    done = max(1, round(full_width / image.width))
    if block > done:
        image = image.reduce(block // done)
    return image


def _decode_animation(
    image: Image.Image, fmt: MediaFormat, *, settings: Settings, fps: float
) -> DecodedMedia:
    """Animated GIF/WebP/PNG are treated as videos: frames sampled at `fps`."""
    deadline = Deadline(settings.video_decode_timeout_seconds)
    sampler = FrameSampler(fps, settings.max_video_frame_memory_bytes, tolerance=0.0)
    clock = 0.0
    for index, frame in enumerate(ImageSequence.Iterator(image)):
        deadline.check()
        if index >= settings.max_animation_frames:
            raise MediaTooLarge(
                f"more than {settings.max_animation_frames} animation frames",
                code="too_many_frames",
            )
        check_pixels(frame.width, frame.height, settings.max_image_pixels)
        frame.load()  # WebP reports a frame's duration only once it is loaded
        if sampler.wants(clock):
            sampler.keep(clock, shrink(frame))
        duration_ms = frame.info.get("duration") or 0
        clock += (duration_ms if duration_ms >= _MIN_FRAME_MS else _DEFAULT_FRAME_MS) / 1000
        check_duration(clock, settings.max_video_seconds)
    if not sampler.frames:
        raise CorruptMedia("the animation has no frames", code="corrupt_media")
    return DecodedMedia(
        media_type=MediaType.VIDEO,
        format=fmt,
        width=image.width,
        height=image.height,
        frames=sampler.frames,
        duration=round(clock, 3),
    )
