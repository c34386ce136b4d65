"""Cryptographic digests of the uploaded bytes: exact matching only."""

from __future__ import annotations

import hashlib
import re
from typing import ClassVar

from takedown.media import DecodedMedia, MediaType
from takedown.settings import Settings
from takedown.signals.base import MatchKind, Signal, SignalType


class _DigestSignal(SignalType):
    match_kind = MatchKind.EXACT
    description = "the identical file"
    algorithm: ClassVar[str]
    hex_length: ClassVar[int]

    @classmethod
    def validate(cls, value: str) -> str:
        normalised = value.strip().lower()
        if not re.fullmatch(f"[0-9a-f]{{{cls.hex_length}}}", normalised):
            raise ValueError(f"not a {cls.algorithm} digest ({cls.hex_length} hex digits)")
        return normalised

    @classmethod
    def compute(cls, data: bytes, media: DecodedMedia, *, settings: Settings) -> list[Signal]:
        digest = hashlib.new(cls.algorithm, data).hexdigest()
        return [{"type": cls.name, "value": digest, "quality": None}]


class Md5Signal(_DigestSignal):
    name, algorithm, hex_length = "md5", "md5", 32
    aliases = ("photo_md5", "image_md5", "hash_md5")
    media_types = frozenset({MediaType.IMAGE})


class Sha256Signal(_DigestSignal):
    name, algorithm, hex_length = "sha256", "sha256", 64
    aliases = ("photo_sha256", "image_sha256", "hash_sha256")
    media_types = frozenset({MediaType.IMAGE})


class VideoMd5Signal(_DigestSignal):
    name, algorithm, hex_length = "video_md5", "md5", 32
    aliases = ("hash_video_md5",)
    media_types = frozenset({MediaType.VIDEO})


class VideoSha256Signal(_DigestSignal):
    name, algorithm, hex_length = "video_sha256", "sha256", 64
    aliases = ("hash_video_sha256",)
    media_types = frozenset({MediaType.VIDEO})
