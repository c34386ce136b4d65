"""Benign benchmark media for bench/match_quality.py, reproducible from a seed.

Originals are scikit-image stand-ins and generated scenes (tests/media.py); distractors are other
generated scenes, generated mosaics and crops of scikit-image textures that are not originals.
Copies apply one transformation at one of two strengths. Videos are made with PyAV from generated
scenes (slow pans, a few cuts). Nothing here is or resembles abusive imagery.
"""

from __future__ import annotations

import io
import itertools
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
import media

IMAGE_SIZES = ((640, 480), (480, 640), (512, 512), (720, 405))
# Package images that are not originals (and show no people); used only as distractor textures.
DISTRACTOR_TEXTURES = ("brick", "grass", "gravel", "moon", "coins", "clock", "cell", "horse")

IMAGE_TRANSFORMS = (
    "letterbox",
    "pillarbox",
    "padding",
    "overlay",
    "greyscale",
    "sepia",
    "crop",
    "rotation",
    "screenshot",
)
VIDEO_TRANSFORMS = ("trim", "retime", "boxed", "filtered", "overlay")
STRENGTHS = (1, 2)

VIDEO_SIZE = (320, 240)
VIDEO_FPS = 10
VIDEO_SECONDS = 8


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def original_image(index: int, seed: int) -> Image.Image:
    if index < len(media.STAND_INS):
        return media.stand_in(media.STAND_INS[index])
    rng = np.random.default_rng([seed, 1, index])
    size = IMAGE_SIZES[int(rng.integers(len(IMAGE_SIZES)))]
    return media.generated_scene(int(rng.integers(2**31)), size=size)


def _mosaic(rng: np.random.Generator, size: tuple[int, int]) -> Image.Image:
    image = Image.new("RGB", size, tuple(int(v) for v in rng.integers(0, 256, 3)))
    draw = ImageDraw.Draw(image)
    width, height = size
    for _ in range(int(rng.integers(6, 30))):
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(0, height))
        x1, y1 = x0 + int(rng.integers(10, width // 2)), y0 + int(rng.integers(10, height // 2))
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        shape = int(rng.integers(3))
        if shape == 0:
            draw.rectangle((x0, y0, x1, y1), fill=colour)
        elif shape == 1:
            draw.ellipse((x0, y0, x1, y1), fill=colour)
        else:
            draw.line((x0, y0, x1, y1), fill=colour, width=int(rng.integers(2, 20)))
    noise = rng.normal(0, rng.uniform(0, 12), (height, width, 1))
    return Image.fromarray(np.clip(np.asarray(image) + noise, 0, 255).astype(np.uint8))


def _texture_crop(rng: np.random.Generator) -> Image.Image:
    from skimage import data as skdata

    name = DISTRACTOR_TEXTURES[int(rng.integers(len(DISTRACTOR_TEXTURES)))]
    array = getattr(skdata, name)()
    if array.ndim == 2:
        array = np.stack([array] * 3, axis=-1)
    height, width = array.shape[:2]
    crop_h = int(height * rng.uniform(0.3, 0.7))
    crop_w = int(width * rng.uniform(0.3, 0.7))
    top, left = int(rng.integers(0, height - crop_h)), int(rng.integers(0, width - crop_w))
    crop = array[top : top + crop_h, left : left + crop_w, :3].astype(np.uint8)
    tint = rng.uniform(0.6, 1.2, 3)
    return Image.fromarray(np.clip(crop * tint, 0, 255).astype(np.uint8))


def distractor_image(index: int, seed: int) -> Image.Image:
    rng = np.random.default_rng([seed, 2, index])
    # Half-size: hashing works on at most 256 px anyway, and a million pairs need many of them.
    width, height = IMAGE_SIZES[int(rng.integers(len(IMAGE_SIZES)))]
    size = (width // 2, height // 2)
    family = index % 4
    if family in (0, 1):
        return media.generated_scene(int(rng.integers(2**31)), size=size)
    if family == 2:
        return _mosaic(rng, size)
    return _texture_crop(rng)


def jpeg_roundtrip(image: Image.Image, quality: int) -> Image.Image:
    return Image.open(io.BytesIO(jpeg_bytes(image, quality))).convert("RGB")


def _colour(rng: np.random.Generator) -> tuple[int, int, int]:
    return tuple(int(v) for v in rng.integers(0, 256, 3))  # type: ignore[return-value]


def _pad(image: Image.Image, left: int, top: int, right: int, bottom: int, colour) -> Image.Image:
    canvas = Image.new("RGB", (image.width + left + right, image.height + top + bottom), colour)
    canvas.paste(image, (left, top))
    return canvas


def letterbox(image: Image.Image, strength: int, rng: np.random.Generator) -> Image.Image:
    bar = int(image.height * (0.12 if strength == 1 else 0.3))
    return _pad(image, 0, bar, 0, bar, (0, 0, 0))


def pillarbox(image: Image.Image, strength: int, rng: np.random.Generator) -> Image.Image:
    bar = int(image.width * (0.12 if strength == 1 else 0.35))
    return _pad(image, bar, 0, bar, 0, (0, 0, 0))


def padding(image: Image.Image, strength: int, rng: np.random.Generator) -> Image.Image:
    share = 0.08 if strength == 1 else 0.2
    sides = [int(d * share * rng.uniform(0.5, 1.5)) for d in (image.width, image.height) * 2]
    return _pad(image, *sides, _colour(rng))


def overlay(image: Image.Image, strength: int, rng: np.random.Generator) -> Image.Image:
    """A logo (strength 1) or a caption block (strength 2) over one corner."""
    image = image.copy()
    draw = ImageDraw.Draw(image)
    share_w, share_h = (0.22, 0.14) if strength == 1 else (0.4, 0.25)
    w, h = int(image.width * share_w), int(image.height * share_h)
    corner = int(rng.integers(4))
    x0 = 8 if corner in (0, 2) else image.width - w - 8
    y0 = 8 if corner in (0, 1) else image.height - h - 8
    draw.rounded_rectangle((x0, y0, x0 + w, y0 + h), radius=h // 5, fill=_colour(rng))
    font = _font(max(10, h // 3))
    text = "@channel" if strength == 1 else "WATCH FULL\nlink in bio"
    draw.multiline_text((x0 + 6, y0 + 4), text, fill=_colour(rng), font=font)
    return image


def greyscale(image: Image.Image, strength: int, rng: np.random.Generator) -> Image.Image:
    grey = ImageOps.grayscale(image)
    if strength == 2:
        grey = ImageOps.autocontrast(grey, cutoff=2)
    return grey.convert("RGB")


def sepia(image: Image.Image, strength: int, rng: np.random.Generator) -> Image.Image:
    matrix = np.array([[0.393, 0.769, 0.189], [0.349, 0.686, 0.168], [0.272, 0.534, 0.131]])
    pixels = np.asarray(image.convert("RGB"), dtype=np.float32)
    toned = pixels @ matrix.T
    blend = 0.6 if strength == 1 else 1.0
    out = (1 - blend) * pixels + blend * toned
    return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8))


def crop(image: Image.Image, strength: int, rng: np.random.Generator) -> Image.Image:
    keep = 0.9 if strength == 1 else 0.75
    w, h = int(image.width * keep), int(image.height * keep)
    left = int(rng.integers(0, image.width - w + 1))
    top = int(rng.integers(0, image.height - h + 1))
    return image.crop((left, top, left + w, top + h))


def rotation(image: Image.Image, strength: int, rng: np.random.Generator) -> Image.Image:
    degrees = (3.0 if strength == 1 else 8.0) * (1 if rng.integers(2) else -1)
    # Half the copies keep the frame (black corners), half grow it (filled with a colour).
    expand = bool(rng.integers(2))
    fill = _colour(rng) if expand else (0, 0, 0)
    return image.rotate(degrees, resample=Image.BICUBIC, expand=expand, fillcolor=fill)


def screenshot(image: Image.Image, strength: int, rng: np.random.Generator) -> Image.Image:
    """The picture on a phone screen: status bar, navigation bar and (strength 2) app chrome."""
    screen_w, screen_h = 720, 1520
    dark = bool(rng.integers(2))
    background = (0, 0, 0) if dark else (255, 255, 255)
    ink = (255, 255, 255) if dark else (20, 20, 20)
    screen = Image.new("RGB", (screen_w, screen_h), background)
    draw = ImageDraw.Draw(screen)
    bar = (30, 30, 30) if dark else (240, 240, 240)
    draw.rectangle((0, 0, screen_w, 56), fill=bar)
    draw.text(
        (24, 12),
        f"{int(rng.integers(0, 24)):02d}:{int(rng.integers(0, 60)):02d}",
        fill=ink,
        font=_font(28),
    )
    for i in range(3):
        draw.rectangle((600 + i * 36, 18, 624 + i * 36, 40), fill=ink)
    draw.rectangle((0, screen_h - 96, screen_w, screen_h), fill=bar)
    for i, x in enumerate((180, 360, 540)):
        shape = (x - 18, screen_h - 66, x + 18, screen_h - 30)
        (draw.ellipse if i == 1 else draw.rectangle)(shape, outline=ink, width=4)
    top = 56
    if strength == 2:
        draw.ellipse((20, 76, 84, 140), fill=_colour(rng))
        draw.text((100, 92), "someone.example", fill=ink, font=_font(30))
        top = 160
    scale = screen_w / image.width
    fitted = image.resize((screen_w, int(image.height * scale)), Image.LANCZOS)
    room = screen_h - 96 - top - (170 if strength == 2 else 0)
    if fitted.height > room:
        fitted = fitted.resize((int(fitted.width * room / fitted.height), room), Image.LANCZOS)
    y = top + (room - fitted.height) // 2
    screen.paste(fitted, ((screen_w - fitted.width) // 2, y))
    if strength == 2:
        y_text = y + fitted.height + 20
        for i in range(4):
            draw.ellipse((24 + i * 70, y_text, 64 + i * 70, y_text + 40), outline=ink, width=4)
        draw.text((24, y_text + 60), "1,024 likes  nice view", fill=ink, font=_font(28))
    return screen


IMAGE_TRANSFORM_FUNCTIONS: dict[str, Callable[[Image.Image, int, np.random.Generator], Image.Image]]
IMAGE_TRANSFORM_FUNCTIONS = {
    "letterbox": letterbox,
    "pillarbox": pillarbox,
    "padding": padding,
    "overlay": overlay,
    "greyscale": greyscale,
    "sepia": sepia,
    "crop": crop,
    "rotation": rotation,
    "screenshot": screenshot,
}


def image_copy(original: Image.Image, transform: str, strength: int, seed: int, index: int):
    """A re-uploaded copy: transformed, shrunk a little, re-encoded as JPEG (decoded by Pillow)."""
    return Image.open(io.BytesIO(image_copy_jpeg(original, transform, strength, seed, index)))


def image_copy_jpeg(
    original: Image.Image, transform: str, strength: int, seed: int, index: int
) -> bytes:
    """The JPEG file of `image_copy`, as it would be uploaded."""
    rng = np.random.default_rng([seed, 3, index, IMAGE_TRANSFORMS.index(transform), strength])
    copy = IMAGE_TRANSFORM_FUNCTIONS[transform](original, strength, rng)
    scale = rng.uniform(0.6, 1.0)
    copy = copy.resize(
        (max(32, int(copy.width * scale)), max(32, int(copy.height * scale))), Image.LANCZOS
    )
    return jpeg_bytes(copy, quality=85 if strength == 1 else 70)


def jpeg_bytes(image: Image.Image, quality: int) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


# --- videos --------------------------------------------------------------------------------


def video_frames(seed: int, index: int, family: int) -> list[Image.Image]:
    """Frames of a benign video: three scenes, each a pan across a generated scene."""
    rng = np.random.default_rng([seed, family, index])
    width, height = VIDEO_SIZE
    frames: list[Image.Image] = []
    total = VIDEO_SECONDS * VIDEO_FPS
    cuts = sorted(int(v) for v in rng.integers(15, total - 15, 2))
    bounds = [0, *cuts, total]
    for start, end in itertools.pairwise(bounds):
        # A generated scene with sharp-edged shapes over it: video frames of smooth gradients
        # alone hash with PDQ quality below 50 and would be dropped by every rule.
        smooth = media.generated_scene(int(rng.integers(2**31)), size=(width * 2, height * 2))
        scene = Image.blend(smooth, _mosaic(rng, (width * 2, height * 2)), 0.5)
        dx, dy = rng.uniform(-6, 6, 2)
        x, y = rng.uniform(width * 0.3, width * 0.7), rng.uniform(height * 0.3, height * 0.7)
        for i in range(end - start):
            left = int(np.clip(x + dx * i, 0, width))
            top = int(np.clip(y + dy * i, 0, height))
            frames.append(scene.crop((left, top, left + width, top + height)))
    return frames


def encode_video(frames: list[Image.Image], fps: int = VIDEO_FPS) -> bytes:
    return media.video(frames, fps=fps)


def _retime(frames: list[Image.Image], fps: int, speed: float, out_fps: int) -> list[Image.Image]:
    count = int(len(frames) / fps / speed * out_fps)
    return [frames[min(len(frames) - 1, int(k / out_fps * speed * fps))] for k in range(count)]


def video_copy(frames: list[Image.Image], transform: str, strength: int, seed: int, index: int):
    """(encoded bytes) of a transformed copy of a benchmark video."""
    rng = np.random.default_rng([seed, 5, index, VIDEO_TRANSFORMS.index(transform), strength])
    fps = VIDEO_FPS
    if transform == "trim":
        start = int((0.5 if strength == 1 else 2.5) * fps)
        end = len(frames) - (0 if strength == 1 else fps)
        out = frames[start:end]
    elif transform == "retime":
        out_fps, speed = (15, 1.0) if strength == 1 else (24, 1.25)
        return encode_video(_retime(frames, fps, speed, out_fps), fps=out_fps)
    elif transform == "boxed":
        first = letterbox if strength == 1 else padding
        out = [first(frame, strength, np.random.default_rng([seed, 6, index])) for frame in frames]
        out = [frame.resize(VIDEO_SIZE) for frame in out]
    elif transform == "filtered":
        out = [(greyscale if strength == 1 else sepia)(frame, 1, rng) for frame in frames]
    elif transform == "overlay":
        state = rng.bit_generator.state
        out = []
        for frame in frames:
            rng.bit_generator.state = state  # the same logo on every frame
            out.append(overlay(frame, strength, rng))
    else:
        raise ValueError(transform)
    return encode_video(out, fps=fps)
