"""Console users' TOTP secrets are stored sealed, under a key that is not in the database.

A TOTP secret is a second password that never changes: whoever reads it from a leaked database
dump or backup makes every code of that user forever, and the second factor is gone. So the
`users` table holds it sealed with Fernet (`cryptography`: AES-CBC with an HMAC-SHA256 tag) under
`TAKEDOWN_TWO_FACTOR_KEY`, kept beside the database's credentials, not in it. Unset, a key is
generated once under data_dir (the demo and single-host default); servers on several hosts set
the same key, as they do `TAKEDOWN_SESSION_SECRET`.

A key is replaced by listing the old one in `TAKEDOWN_TWO_FACTOR_RETIRED_KEYS` (they still open
secrets), then `takedown user reseal-two-factor` seals every secret under the new one. A server
whose keys open none of the stored secrets stops at start rather than locking everyone out at
their next sign-in (`check_and_seal`, run with the migrations).
"""

from __future__ import annotations

import base64
import re

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import select
from sqlalchemy.orm import Session

from takedown.audit.service import record
from takedown.auth.models import User
from takedown.errors import TakedownError
from takedown.local_keys import local_key
from takedown.settings import Settings
from takedown.store.db import session_scope

GENERATED_KEY_FILE = "two-factor.key"
# Secrets written before they were sealed (migration 0022): pyotp's base32 alphabet.
_CLEAR_SECRET = re.compile(r"[A-Z2-7]{16,64}=*")


class TwoFactorKeyError(TakedownError):
    status, code, title = 503, "two_factor_key_mismatch", "The two-factor key is wrong"


_MISMATCH = (
    "the two-factor secrets were sealed with another key: set TAKEDOWN_TWO_FACTOR_KEY to the key "
    "the other servers use, or list the old key in TAKEDOWN_TWO_FACTOR_RETIRED_KEYS"
)


def seal(settings: Settings, secret: str) -> str:
    return _keys(settings).encrypt(secret.encode()).decode()


def unseal(settings: Settings, sealed: str) -> str:
    try:
        return _keys(settings).decrypt(sealed.encode()).decode()
    except InvalidToken:
        raise TwoFactorKeyError(_MISMATCH) from None


def check_and_seal(settings: Settings) -> int:
    """Seal secrets stored in clear by earlier versions and make sure the configured keys open
    every sealed one (else TwoFactorKeyError); how many were sealed now."""
    keys = _keys(settings)
    sealed_now = 0
    with session_scope(settings.resolved_database_url) as db_session:
        for user in _users_with_secrets(db_session):
            stored = user.two_factor_secret or ""
            if _CLEAR_SECRET.fullmatch(stored):
                user.two_factor_secret = keys.encrypt(stored.encode()).decode()
                sealed_now += 1
            else:
                _opened(keys, user)
    return sealed_now


def reseal(settings: Settings, actor: str) -> int:
    """Seal every stored secret under the current key (after a key change); how many."""
    keys = _keys(settings)
    with session_scope(settings.resolved_database_url) as db_session:
        users = _users_with_secrets(db_session)
        for user in users:
            user.two_factor_secret = keys.encrypt(_opened(keys, user)).decode()
        record(
            db_session=db_session,
            actor=actor,
            action="user.two_factor_resealed",
            subject="users",
            details={"count": len(users)},
        )
        return len(users)


def _opened(keys: MultiFernet, user: User) -> bytes:
    try:
        return keys.decrypt((user.two_factor_secret or "").encode())
    except InvalidToken:
        raise TwoFactorKeyError(f"{_MISMATCH} (user {user.username} cannot be opened)") from None


def _users_with_secrets(db_session: Session) -> list[User]:
    return list(
        db_session.scalars(
            select(User).where(User.two_factor_secret.is_not(None)).order_by(User.id)
        )
    )


def _keys(settings: Settings) -> MultiFernet:
    """The current key first (it seals), then the retired ones (they only open)."""
    current = (
        settings.two_factor_key.get_secret_value().strip()
        or base64.urlsafe_b64encode(local_key(settings.data_dir, GENERATED_KEY_FILE)).decode()
    )
    retired = settings.two_factor_retired_keys.get_secret_value().split(",")
    try:
        return MultiFernet([Fernet(key.strip()) for key in [current, *retired] if key.strip()])
    except ValueError:
        raise TwoFactorKeyError(
            "TAKEDOWN_TWO_FACTOR_KEY and TAKEDOWN_TWO_FACTOR_RETIRED_KEYS take Fernet keys "
            "(url-safe base64 of 32 bytes, as cryptography's Fernet.generate_key() makes)",
            code="two_factor_key_invalid",
        ) from None
