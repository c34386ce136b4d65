"""The shape of a signal type (after python-threatexchange's SignalType): one class per type."""

from __future__ import annotations

from abc import ABC, abstractmethod
from enum import StrEnum
from typing import Any, ClassVar

from takedown.media import DecodedMedia, MediaType
from takedown.settings import Settings

Signal = dict[str, Any]  # {"type", "value", "quality", ...}: the shape crossing every boundary


class MatchKind(StrEnum):
    EXACT = "exact"  # equal values only
    HAMMING = "hamming"  # bit distance within a threshold (PDQ)
    VIDEO = "video"  # frame-set rule (vPDQ)
    KEYPOINTS = "keypoints"  # aligned by keypoints, confirmed by PDQ (signals/keypoints.py)


class SignalType(ABC):
    name: ClassVar[str]
    # Other spellings accepted on input: python-threatexchange names and ThreatExchange
    # indicator types, so bank files from its tools import as they are.
    aliases: ClassVar[tuple[str, ...]] = ()
    match_kind: ClassVar[MatchKind]
    # What a match on this type means, in a reviewer's words (the console's match lines).
    description: ClassVar[str]
    media_types: ClassVar[frozenset[MediaType]]

    @classmethod
    @abstractmethod
    def validate(cls, value: str) -> str:
        """The normalised value; raise ValueError if it is malformed."""

    @classmethod
    @abstractmethod
    def compute(cls, data: bytes, media: DecodedMedia, *, settings: Settings) -> list[Signal]:
        """This type's signals for decoded media (several for PDQ's dihedral variants)."""
