"""Staff passwords: argon2id hashes (argon2-cffi), never the password itself."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()  # argon2id with the library's RFC 9106 defaults

MIN_PASSWORD_LENGTH = 12


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the stored hash uses weaker parameters than today's defaults."""
    return _hasher.check_needs_rehash(password_hash)


# A real hash to verify against when the username is unknown, so both paths take as long.
_DUMMY_HASH = _hasher.hash("takedown-timing-equaliser")


def burn_verification_time(password: str) -> None:
    verify_password(_DUMMY_HASH, password)
