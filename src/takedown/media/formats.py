"""Recognise a media format from its first bytes: uploads lie about names and content types."""

from __future__ import annotations

from enum import StrEnum


class MediaFormat(StrEnum):
    JPEG = "jpeg"
    PNG = "png"
    GIF = "gif"
    WEBP = "webp"
    BMP = "bmp"
    TIFF = "tiff"
    HEIC = "heic"
    AVIF = "avif"
    MP4 = "mp4"  # ISO base media: MP4, MOV, M4V, 3GP
    WEBM = "webm"  # Matroska / WebM
    AVI = "avi"

    @property
    def is_video_container(self) -> bool:
        return self in (MediaFormat.MP4, MediaFormat.WEBM, MediaFormat.AVI)


# FFmpeg demuxer per container; naming it stops FFmpeg from probing (and running) any other
# demuxer, such as HLS playlists that fetch files or URLs.
DEMUXERS = {MediaFormat.MP4: "mov", MediaFormat.WEBM: "matroska", MediaFormat.AVI: "avi"}

_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
_AVIF_BRANDS = {b"avif", b"avis"}


def sniff(head: bytes) -> MediaFormat | None:
    """The format of a file from its first 32 bytes, or None if it is not one we decode."""
    if head.startswith(b"\xff\xd8\xff"):
        return MediaFormat.JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return MediaFormat.PNG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return MediaFormat.GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return MediaFormat.WEBP
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return MediaFormat.AVI
    if head[:2] == b"BM" and len(head) >= 26:
        return MediaFormat.BMP
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return MediaFormat.TIFF
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return MediaFormat.WEBM
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in _AVIF_BRANDS:
            return MediaFormat.AVIF
        if brand in _HEIC_BRANDS:
            return MediaFormat.HEIC
        return MediaFormat.MP4
    return None
