"""The one settings class: every knob is an environment variable `TAKEDOWN_<NAME>`.

Each field is documented in the README's settings table; keep the two in step.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TAKEDOWN_", env_file=None, extra="ignore")

    # --- storage ---------------------------------------------------------------------------
    # where the SQLite file, media, index snapshots and secrets live
    data_dir: Path = Path("./takedown-data")
    database_url: str = ""  # empty: a SQLite file under data_dir

    # --- server ----------------------------------------------------------------------------
    host: str = "127.0.0.1"  # address `takedown serve` listens on
    port: int = 8000  # port `takedown serve` listens on
    # base of links sent to reporters; empty: http://HOST:PORT (where `takedown serve` listens)
    public_base_url: str = ""
    run_background_jobs: bool = True  # the embedded server runs timers, outbox and index refresh
    job_interval_seconds: float = 1.0  # how often the job loop wakes
    # POST /v1/scan accepts a key it checked this recently without asking the database again, so
    # a revoked key (or a disabled staff user) may still scan for this long; at most 2 s, 0: never
    api_key_cache_seconds: float = Field(default=2.0, ge=0.0, le=2.0)
    # /metrics answers a scraper sending `Authorization: Bearer <this>`; empty: only clients on
    # this machine (its case and match counts would tell an outsider what a report matched)
    metrics_token: str = ""

    # --- public pages --------------------------------------------------------------------
    # language of the report form and reporter emails when the browser asks for none offered
    default_language: str = "en"
    # folder of an operator's own gettext catalogues (<language>.po): more languages, or other
    # wording of the shipped ones (docs/languages.md); empty: the shipped catalogues only
    translations_dir: Path | None = None
    # JSON list of {name, url, description, categories} shown to reporters as help beyond this
    # platform, instead of the shipped US list (reports/support.py); empty: the shipped list
    support_resources_file: Path | None = None
    # where the public pages' "Leave this page" button goes: somewhere ordinary, for a reporter
    # who must hide what they are doing at once; empty: no button
    quick_exit_url: str = "https://www.wikipedia.org/"

    # --- hostile media limits --------------------------------------------------------------
    max_image_bytes: int = 25 * 1024 * 1024  # larger images: 413 file_too_large
    max_video_bytes: int = 250 * 1024 * 1024  # larger videos: 413 file_too_large
    max_image_pixels: int = 50_000_000  # decompression-bomb guard, checked before decoding
    max_video_pixels_per_frame: int = 16_000_000  # per decoded video frame
    max_video_seconds: float = 3 * 60 * 60.0  # longest video accepted (stream duration)
    video_decode_timeout_seconds: float = 60.0  # wall-clock decode limit: 422 decode_timeout
    max_animation_frames: int = 5_000  # frames of an animated GIF/WebP/PNG
    # RGB of the sampled frames kept for hashing one video or animation; past it, frames are
    # thinned (every other one dropped, the sampling rate halved) rather than memory growing
    max_video_frame_memory_bytes: int = 512 * 1024 * 1024

    # --- signals and matching --------------------------------------------------------------
    video_frames_per_second: float = 1.0  # vPDQ sampling rate for queries
    # vPDQ sampling of media hashed for a bank (POST /v1/hash purpose=bank): denser than queries,
    # so a trimmed or re-timed copy sampled at 1 frame/s still lands near a bank frame
    bank_video_frames_per_second: float = 10.0
    pdq_default_threshold: int = 31  # PDQ distance threshold of new banks
    pdq_min_quality: int = 50  # below: kept, but matched exactly only
    # the same gate for region signals (pdq_norm, pdq_center); lower because a centre crop or
    # de-rotated copy has less gradient energy: measured in bench/RESULTS.md ("Match quality")
    region_min_quality: int = 20
    # allowed scans with no match and no enforcement are deleted from the content ledger after
    # this many days (scan/retention.py); 0 keeps them, so a decision can reach any old copy
    ledger_retention_days: int = Field(default=0, ge=0)
    vpdq_query_match_percent: float = (
        80.0  # python-threatexchange VPDQ_QUERY_MATCH_THRESHOLD_PERCENT
    )
    vpdq_index_match_percent: float = (
        0.0  # python-threatexchange VPDQ_INDEX_MATCH_THRESHOLD_PERCENT
    )
    # A banked video inside a longer upload: this many of the upload's distinct frames matching
    # it are a match whatever their share (signals/vpdq.video_rule_met); 0 keeps the share rule
    # alone, which a banked clip padded with other footage passes
    vpdq_contained_min_frames: int = Field(default=10, ge=0)
    index_refresh_seconds: float = 1.0  # how often each process applies the change log
    # write a new index snapshot after this many changes
    index_snapshot_every_changes: int = 100_000
    # pdq_crop keypoint rows in a base up to which the search scans every row (exact); above,
    # it probes faiss IVF lists (index/descriptors.py)
    crop_search_exact_rows: int = 100_000

    # --- reports, cases, review ------------------------------------------------------------
    deadline_p0_hours: float = 1.0  # P0 case deadline
    deadline_p1_hours: float = 24.0  # P1 case deadline
    deadline_ncii_hours: float = 48.0  # TAKE IT DOWN Act: 48 h from a valid request
    deadline_p2_hours: float = 7 * 24.0  # P2 case deadline
    # reports about one post (its open case's, earlier closed cases', this one; reporters
    # flagged as unfounded not counted) that raise it a level: P2 to P1, child safety or NCII
    # to P0; 0 turns it off
    repeated_reports_raise_at: int = 3
    # DSA Art 20(1): appeals open for at least six months; a shorter window would close a
    # reporter's or uploader's appeal the law keeps open.
    appeal_window_days: int = Field(default=183, ge=183)
    # share of final review decisions sampled for a blind quality check by another reviewer
    # (quality/service.py); 0 turns it off
    quality_sample_percent: float = Field(default=5.0, ge=0, le=100)
    # reporters' names, emails and signatures are erased this many days after their case closed
    # (never sooner than the appeal window; reports/retention.py); 0 keeps them
    reporter_contact_retention_days: int = Field(default=365, ge=0)
    report_rate_limit_per_address: int = 30  # reports per hour per client address
    report_rate_limit_per_contact: int = 20  # reports per hour per reporter email
    # the key client addresses are hashed with (rate limits, sign-in throttle); empty: generated
    # and kept under data_dir; servers on several hosts set the same value, or their counts split
    address_key: SecretStr = SecretStr("")
    oncall_webhook_url: str = ""  # escalations are POSTed here as JSON
    oncall_email: str = ""  # escalations are emailed here
    session_secret: SecretStr = SecretStr("")  # empty: generated and kept under data_dir
    # the audit chain's head is signed (Ed25519) and written outside the database this often,
    # and within a minute of a sensitive action (audit/checkpoints.py); the key: base64 of a
    # 32-byte seed, empty: generated under data_dir
    audit_checkpoint_minutes: int = Field(default=15, ge=1)
    audit_signing_key: SecretStr = SecretStr("")
    audit_witness_url: str = ""  # each checkpoint is also POSTed here as JSON (a system you trust)
    session_idle_minutes: int = 30  # console sessions end after this much inactivity
    # every console sign-in takes a TOTP or recovery code after the password; users enrol at
    # their first sign-in (auth/two_factor.py). `takedown demo` turns it off unless set.
    console_two_factor: bool = True
    # TOTP secrets are stored sealed with this Fernet key (auth/sealed_secrets.py); empty:
    # generated and kept under data_dir. Servers on several hosts set the same value.
    two_factor_key: SecretStr = SecretStr("")
    # Single sign-on with the organisation's OpenID Connect provider (auth/oidc.py); the issuer's
    # URL turns it on. Staff still exist in Takedown first (roles are Takedown's); the ID token's
    # `oidc_username_claim` names the user. The provider's sign-in counts as the second factor
    # only when its `amr` claim says it took more than one.
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: SecretStr = SecretStr("")
    oidc_username_claim: str = "email"
    oidc_provider_name: str = "your organisation's sign-in"
    # "admins": with single sign-on, only administrators may still sign in with a password (the
    # way in when the provider is down); everyone else through the provider, so a leaver turned
    # off there cannot come back with their old Takedown password. "everyone": both ways.
    console_password_sign_in: Literal["everyone", "admins"] = "everyone"
    # the role staff provisioned by the identity provider (SCIM, scim/) start with; an
    # administrator raises it in Takedown. Never "admin": the provider's administrators would
    # make themselves administrators of the console.
    scim_role: Literal["reviewer", "child_safety_reviewer", "legal"] = "reviewer"
    two_factor_retired_keys: SecretStr = SecretStr("")  # comma-separated; they only open
    # a reviewer who has revealed this many originals in the last hour is asked on every console
    # page to step away for a while (review/exposure.py); 0: never
    wellbeing_break_reveals: int = Field(default=15, ge=0)
    # originals one reviewer may reveal in any 24 hours; past it a reveal is refused (decide on the
    # blurred preview and the matches, or pass the case on); 0: no limit
    wellbeing_daily_reveal_limit: int = Field(default=0, ge=0)
    # a console username is locked for the window after this many failed sign-ins within it
    console_login_failures: int = 10
    # a client address is refused for the window after this many failed sign-ins within it, for
    # any username (guessing across many accounts)
    console_login_failures_per_address: int = 50
    console_login_window_minutes: int = 15
    claim_minutes: int = 30  # a reviewer's claim on a case lapses after this, so cases never stick
    platform_media_url: str = ""  # e.g. https://media.example/{content_id}
    # JSON list; media fetches go only to these hosts
    platform_media_allowed_hosts: list[str] = Field(default_factory=list)
    platform_media_max_bytes: int = 250 * 1024 * 1024  # cap on a fetched media file
    platform_media_timeout_seconds: float = 20.0  # time limit of a media fetch
    # Is a removed item really down? e.g. https://platform.example/status/{content_id}: 404/410
    # = no longer visible, 200 = still visible (docs/platform-webhooks.md); empty = not checked.
    # Same host allow-list as media fetches.
    platform_content_status_url: str = ""
    # An upload blocked by a `csam` bank opens a case (review, then the CyberTipline report and
    # the account); its media comes from TAKEDOWN_PLATFORM_MEDIA_URL (docs/reports-and-cases.md).
    blocked_csam_opens_cases: bool = True
    # An account an `ncii` bank blocked this many times in `blocked_ncii_attempt_days` (someone
    # trying to post a person's intimate images again and again) gets a case for review, and again
    # at each further multiple; 0: never
    blocked_ncii_attempts_open_case: int = Field(default=3, ge=0)
    blocked_ncii_attempt_days: int = Field(default=30, ge=1)
    removal_check_minutes: float = 15.0  # first check after the removal order; doubles while up
    removal_check_max_hours: float = 6.0  # the longest wait between checks of an item still up
    # Optional JSON about an upload for the CyberTipline report (screen name, IP events), e.g.
    # https://platform.example/meta/{content_id}?account={account_id}; see docs/ncmec.md.
    platform_metadata_url: str = ""

    # --- email -----------------------------------------------------------------------------
    smtp_host: str = ""  # empty: email is not sent (and the UI says so)
    smtp_port: int = 25  # SMTP server port
    smtp_username: str = ""  # SMTP login (optional)
    smtp_password: SecretStr = SecretStr("")  # SMTP password (optional)
    smtp_starttls: bool = False  # use STARTTLS
    smtp_from: str = "takedown@localhost"  # sender of reporter emails

    # --- enforcement -----------------------------------------------------------------------
    platform_webhook_url: str = ""  # the platform's receiver for content/account events
    platform_webhook_secret: SecretStr = SecretStr("")  # HMAC-SHA256 key of Takedown-Signature
    webhook_retry_hours: float = 24.0  # retry a failing delivery this long, then mark it failed
    suspend_on_csam: bool = True  # suspend the uploader at once on confirmed CSAM
    strike_threshold: int = 3  # strikes under one policy that suspend an account
    # JSON, per policy: strikes that suspend, e.g. {"ncii": 1}; other policies use strike_threshold
    strike_thresholds: dict[str, int] = Field(default_factory=dict)
    # after a violating child-safety or intimate-imagery decision, this many of the uploader's
    # other uploads in the ledger (newest first) are opened for review; 0 opens none
    account_sweep_limit: int = Field(default=100, ge=0)
    # >0: for this many days after a violating child-safety or intimate-imagery decision against
    # an account that was not suspended, its new uploads are held for review (verdict `review`,
    # a case each); 0 holds none (accounts/holds.py)
    hold_uploads_after_strike_days: int = Field(default=0, ge=0)
    # Per delivery attempt; a slow receiver is retried. At most 30 s: a delivery claim (2 min)
    # holds four attempts' time, so a pass ends before another process may claim its events.
    webhook_timeout_seconds: float = Field(default=10.0, gt=0.0, le=30.0)
    platform_confirmed_bank: str = "platform-confirmed"  # bank that confirmed media is added to

    # --- evidence vault --------------------------------------------------------------------
    evidence_key: SecretStr = SecretStr("")  # base64 32-byte AES key
    evidence_key_file: Path | None = None  # file holding the base64 AES key
    # earlier keys, comma-separated: they still open files, never seal; after a key change
    # `takedown evidence rekey` encrypts every file under the current key
    evidence_retired_keys: SecretStr = SecretStr("")
    # 18 U.S.C. 2258A(h) as amended by the REPORT Act: a year at least, longer if the platform
    # chooses; less would purge what the law requires kept.
    evidence_retention_days: int = Field(default=365, ge=365)
    # No key configured: True generates data_dir/secrets/evidence.key (0600) with a warning (demo);
    # False refuses to preserve, so a violating child-safety decision fails with a clear error.
    evidence_generate_key: bool = True

    # --- NCMEC CyberTipline ----------------------------------------------------------------
    ncmec_url: str = ""  # empty: the documented URL of ncmec_environment
    ncmec_username: str = ""  # CyberTipline API user (Basic auth)
    ncmec_password: SecretStr = SecretStr("")  # CyberTipline API password
    ncmec_environment: str = "test"  # production only when set explicitly
    # Longer than the CyberTipline API documents (espService 100, a name part 100, an email
    # 255, a phone 50) would be left out of every report: refused at start instead.
    esp_name: str = Field(default="Example Platform", max_length=100)  # as NCMEC knows it
    # reporter contact in CyberTipline reports
    esp_contact_name: str = Field(default="Trust and Safety", max_length=200)
    esp_contact_email: str = Field(default="safety@example.com", max_length=255)
    esp_contact_phone: str = Field(default="", max_length=50)  # reporter contact phone
    ncmec_timeout_seconds: float = 60.0  # per CyberTipline request
    ncmec_max_attempts: int = 20  # then the filing stays `failed` until legal files it again
    ncmec_retry_base_seconds: float = 60.0  # exponential backoff: base * 2^(attempt-1) ...
    ncmec_retry_max_seconds: float = 3600.0  # ... capped here

    # --- lookback: uploads scanned before a hash was banked (docs/lookback.md) -----------------
    lookback_opens_cases: bool = True  # a live upload matching a newly banked csam/ncii hash
    # a live upload found matching a block bank (by the lookback or a back-catalogue scan) is
    # removed at once (what the bank would have done at upload); the review confirms or restores
    remove_live_matches: bool = True
    lookback_days: int = 0  # how far back in the ledger to look; 0: all of it

    # --- hash exchanges a bank can follow (docs/exchanges.md) --------------------------------
    ncmec_hash_api_username: str = ""  # NCMEC hash sharing API user (not the CyberTipline one)
    ncmec_hash_api_password: SecretStr = SecretStr("")  # its password
    ncmec_hash_api_url: str = ""  # empty: the address of the bank's named NCMEC environment
    stopncii_fetch_key: SecretStr = SecretStr("")  # StopNCII FetchHashes function key
    stopncii_subscription_key: SecretStr = SecretStr("")  # StopNCII subscription key
    stopncii_url: str = ""  # empty: https://api.stopncii.org/v1
    threatexchange_access_token: SecretStr = SecretStr("")  # ThreatExchange APPID|SECRET
    threatexchange_url: str = ""  # empty: python-threatexchange's Graph API address
    # A background sync stops after this long and resumes from its checkpoint on the next run,
    # so a first fetch of millions of hashes never holds up the other background jobs.
    exchange_sync_seconds: float = 20.0

    # --- EU DSA transparency database ------------------------------------------------------
    dsa_database_url: str = ""  # EU DSA Transparency Database batch endpoint
    dsa_database_token: SecretStr = SecretStr("")  # its bearer token

    @model_validator(mode="after")
    def _passwords_need_a_provider(self) -> Self:
        if self.console_password_sign_in == "admins" and not self.oidc_issuer:
            raise ValueError(
                "TAKEDOWN_CONSOLE_PASSWORD_SIGN_IN=admins needs single sign-on "
                "(TAKEDOWN_OIDC_ISSUER): nobody else could sign in"
            )
        return self

    @property
    def resolved_public_base_url(self) -> str:
        return self.public_base_url.rstrip("/") or f"http://{self.host}:{self.port}"

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return normalise_database_url(self.database_url)
        return f"sqlite:///{(self.data_dir / 'takedown.db').resolve()}"

    @property
    def media_dir(self) -> Path:
        return self.data_dir / "media"

    @property
    def index_dir(self) -> Path:
        return self.data_dir / "index"


def normalise_database_url(url: str) -> str:
    """Accept plain `postgresql://` URLs and drive them with psycopg 3."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


@lru_cache
def get_settings() -> Settings:
    return Settings()
