"""Benign test media only: images shipped with scikit-image and generated scenes.

Nothing here or anywhere in Takedown's tests is real abusive imagery. Banks in tests are built
from these stand-ins.
"""

from __future__ import annotations

import io
from fractions import Fraction

import numpy as np
from PIL import Image, ImageOps
from skimage import data as skdata

# Photographic, colour, package-shipped stand-ins (no people).
STAND_INS = ("chelsea", "coffee", "rocket", "hubble_deep_field", "immunohistochemistry", "retina")


def stand_in(name: str = "chelsea") -> Image.Image:
    array = getattr(skdata, name)()
    if array.ndim == 2:
        array = np.stack([array] * 3, axis=-1)
    return Image.fromarray(array[..., :3].astype(np.uint8)).convert("RGB")


def generated_scene(seed: int, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A reproducible synthetic 'photo': smooth gradients, blobs and stripes from a seed."""
    rng = np.random.default_rng(seed)
    width, height = size
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    image = np.zeros((height, width, 3), np.float32)
    for channel in range(3):
        a, b, c = rng.uniform(-1, 1, 3)
        image[..., channel] = 128 + 60 * np.sin(a * xx / 40 + b * yy / 50 + c * 6)
    for _ in range(12):
        cx, cy = rng.uniform(0, width), rng.uniform(0, height)
        radius = rng.uniform(20, 120)
        colour = rng.uniform(0, 255, 3)
        mask = ((xx - cx) ** 2 + (yy - cy) ** 2) < radius**2
        image[mask] = 0.4 * image[mask] + 0.6 * colour
    return Image.fromarray(np.clip(image, 0, 255).astype(np.uint8))


def encode(image: Image.Image, fmt: str = "JPEG", **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def jpeg(image: Image.Image, quality: int = 90) -> bytes:
    return encode(image, "JPEG", quality=quality)


def png(image: Image.Image) -> bytes:
    return encode(image, "PNG")


def altered_copy(image: Image.Image) -> bytes:
    """Re-encoded, resized and mirrored: what a re-upload of known material often looks like."""
    resized = image.resize((image.width * 3 // 4, image.height * 3 // 4), Image.LANCZOS)
    return jpeg(ImageOps.mirror(resized), quality=70)


def video(
    frames: list[Image.Image],
    fps: int = 10,
    codec: str = "libx264",
    container_format: str = "mp4",
    rotation: int = 0,
    pix_fmt: str = "yuv420p",
) -> bytes:
    """Encode frames with PyAV: an MP4 (H.264) unless told otherwise ("webm", "libvpx"; "mov",
    "libx265" as phones record). `rotation`: the display matrix's, counterclockwise degrees;
    `pix_fmt`: "yuv444p" or "yuv420p10le" for what a camera app may record."""
    import av

    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format=container_format) as container:
        stream = container.add_stream(codec, rate=Fraction(fps, 1))
        stream.width = frames[0].width - frames[0].width % 2
        stream.height = frames[0].height - frames[0].height % 2
        stream.pix_fmt = pix_fmt
        if codec == "libx265":
            stream.options = {"x265-params": "log-level=error"}
        if rotation:
            stream.set_display_rotation(rotation)
        for frame in frames:
            av_frame = av.VideoFrame.from_image(frame.crop((0, 0, stream.width, stream.height)))
            for packet in stream.encode(av_frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buffer.getvalue()


def slideshow(images: list[Image.Image], seconds_each: float = 2.0, fps: int = 10) -> bytes:
    """A video that shows each image for a while, with a slow pan so frames differ."""
    frames: list[Image.Image] = []
    per_image = int(seconds_each * fps)
    for image in images:
        base = image.resize((320, 240))
        for i in range(per_image):
            frames.append(base.rotate(i * 0.2, resample=Image.BILINEAR))
    return video(frames, fps=fps)
