"""Settings: safe defaults, environment variables read once when the app is created."""

import os
import secrets
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .storage import BACKENDS
from .storage.sealed import parse_keyring

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class ConfigError(ValueError):
    """A setting has a value we refuse to guess about."""


def parse_bool(name: str, value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ConfigError(f"{name}={value!r} is not a boolean (use 1/0, true/false, yes/no, on/off)")


def parse_int(name: str, value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not a whole number") from None


RETENTION_DAYS = (1, 36500)  # a day to a hundred years


def parse_retention_days(name: str, value: str) -> int:
    days = parse_int(name, value)
    fewest, most = RETENTION_DAYS
    if not fewest <= days <= most:
        raise ConfigError(f"{name}={value!r} is not a number of days from {fewest} to {most}")
    return days


def parse_str(name: str, value: str) -> str:
    return value


def parse_log_level(name: str, value: str) -> str:
    level = value.strip().upper()
    if level not in _LOG_LEVELS:
        raise ConfigError(f"{name}={value!r} is not a log level (use {', '.join(_LOG_LEVELS)})")
    return level


def parse_time_zone(name: str, value: str) -> str:
    """An IANA time zone name (Europe/Paris, UTC), as the system's zone database knows it."""
    zone = value.strip()
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"{name}={value!r} is not a time zone (use a name like Europe/Paris)"
        ) from None
    return zone


def parse_storage(name: str, value: str) -> str:
    backend = value.strip().lower()
    if backend not in BACKENDS:
        raise ConfigError(f"{name}={value!r} is not a storage backend (use {', '.join(BACKENDS)})")
    return backend


def database_url(url: str) -> str:
    """Use the psycopg 3 driver for PostgreSQL URLs written the short way."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# name -> (default, parser). Every HELPDESK_ setting the app reads; the README lists them.
HELPDESK_SETTINGS = {
    "HELPDESK_MAX_ATTACHMENT_BYTES": (10 * 1024 * 1024, parse_int),
    "HELPDESK_MAX_ATTACHMENTS": (5, parse_int),
    "HELPDESK_LOGIN_FAILURES_PER_ACCOUNT": (5, parse_int),
    "HELPDESK_LOGIN_FAILURES_PER_ADDRESS": (20, parse_int),
    "HELPDESK_LOGIN_WINDOW_MINUTES": (15, parse_int),
    "HELPDESK_SECURE_COOKIES": (False, parse_bool),
    "HELPDESK_PROXY_HOPS": (0, parse_int),  # reverse proxies in front whose X-Forwarded-* we trust
    # Argon2id cost: the library's recommended parameters (RFC 9106's second choice).
    "HELPDESK_ARGON2_TIME_COST": (3, parse_int),
    "HELPDESK_ARGON2_MEMORY_KIB": (65536, parse_int),
    "HELPDESK_BASE_URL": ("http://127.0.0.1:5000", parse_str),
    "HELPDESK_SUPPORT_ADDRESS": ("support@helpdesk.example", parse_str),
    "HELPDESK_REPLY_DOMAIN": ("", parse_str),
    "HELPDESK_ACKS_PER_HOUR": (5, parse_int),
    "HELPDESK_OUTBOX_BATCH_SIZE": (50, parse_int),
    "HELPDESK_OUTBOX_CLAIM_SECONDS": (300, parse_int),
    "HELPDESK_OUTBOX_MAX_ATTEMPTS": (10, parse_int),
    "HELPDESK_OUTBOX_RETRY_SECONDS": (60, parse_int),
    "HELPDESK_OUTBOX_RETRY_MAX_SECONDS": (3600, parse_int),
    "HELPDESK_SMTP_TIMEOUT_SECONDS": (30, parse_int),
    "HELPDESK_PASSWORD_RESET_MINUTES": (60, parse_int),
    "HELPDESK_INVITE_DAYS": (7, parse_int),
    "HELPDESK_API_RATE_LIMIT": ("120 per minute", parse_str),
    "HELPDESK_RATELIMIT_STORAGE_URI": ("memory://", parse_str),
    # Mail intake: size limits, the category of mail to an address without an alias, channels.
    "HELPDESK_INTAKE_MAX_MESSAGE_BYTES": (25 * 1024 * 1024, parse_int),
    "HELPDESK_INTAKE_MAX_PARTS": (200, parse_int),  # MIME parts of one message
    "HELPDESK_INTAKE_MAX_ATTACHMENTS": (50, parse_int),  # files kept from one message
    # The authserv-id our receiving server writes in Authentication-Results; "" trusts none.
    "HELPDESK_AUTHSERV_ID": ("", parse_str),
    "HELPDESK_INTAKE_DEFAULT_CATEGORY": ("other", parse_str),
    "HELPDESK_INTAKE_WEBHOOK_SECRET": ("", parse_str),
    "HELPDESK_INTAKE_WEBHOOK_MAX_AGE_SECONDS": (300, parse_int),
    "HELPDESK_IMAP_HOST": ("", parse_str),
    "HELPDESK_IMAP_PORT": (993, parse_int),
    "HELPDESK_IMAP_SECURITY": ("ssl", parse_str),  # ssl or starttls
    "HELPDESK_IMAP_USERNAME": ("", parse_str),
    "HELPDESK_IMAP_PASSWORD": ("", parse_str),
    "HELPDESK_IMAP_MAILBOX": ("INBOX", parse_str),
    "HELPDESK_IMAP_DONE_MAILBOX": ("", parse_str),  # move processed mail here; else mark it seen
    "HELPDESK_IMAP_CA_FILE": ("", parse_str),  # trust this CA too (a private mail server)
    "HELPDESK_LMTP_HOST": ("127.0.0.1", parse_str),
    "HELPDESK_LMTP_PORT": (8024, parse_int),
    # The `helpdesk` logger's level: INFO logs every state change (who changed what).
    "HELPDESK_LOG_LEVEL": ("INFO", parse_log_level),
    # Days a closed ticket keeps what it holds about people, where its category sets no period.
    "HELPDESK_RETENTION_DAYS": (365, parse_retention_days),
    "HELPDESK_TIME_ZONE": ("UTC", parse_time_zone),  # reports' days and weeks (from Monday)
    # Where evidence files and raw inbound mail are kept (helpdesk/storage/).
    "HELPDESK_STORAGE": ("filesystem", parse_storage),
    "HELPDESK_S3_BUCKET": ("", parse_str),
    "HELPDESK_S3_ENDPOINT_URL": ("", parse_str),  # empty: AWS itself
    "HELPDESK_S3_REGION": ("", parse_str),
    "HELPDESK_S3_ACCESS_KEY_ID": ("", parse_str),  # empty: boto3's own chain (AWS_* variables)
    "HELPDESK_S3_SECRET_ACCESS_KEY": ("", parse_str),
    "HELPDESK_ENCRYPTION_KEY": ((), parse_keyring),  # empty: blobs are stored unencrypted
    # How long a write on SQLite waits for another's write lock before the answer is 503.
    "HELPDESK_SQLITE_BUSY_TIMEOUT_MS": (10000, parse_int),
}

# Flask-Mail's own names, read the same way.
MAIL_SETTINGS = {
    "MAIL_SERVER": ("localhost", parse_str),
    "MAIL_PORT": (25, parse_int),
    "MAIL_USE_TLS": (False, parse_bool),
    "MAIL_USE_SSL": (False, parse_bool),
    "MAIL_USERNAME": (None, parse_str),
    "MAIL_PASSWORD": (None, parse_str),
    "MAIL_DEFAULT_SENDER": (None, parse_str),
}


def instance_secret_key(instance_path: Path) -> str:
    """Generate a secret key once into the instance folder, readable by the owner only."""
    path = instance_path / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker wrote it first
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def build_config(instance_path: Path, environ: dict[str, str], overrides: dict | None) -> dict:
    """The app's configuration: defaults, then the environment, then the caller's overrides."""
    overrides = overrides or {}
    config = {
        "SQLALCHEMY_DATABASE_URI": database_url(
            environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'helpdesk.db'}"
        ),
        "HELPDESK_ATTACHMENT_DIR": environ.get(
            "HELPDESK_ATTACHMENT_DIR", str(instance_path / "attachments")
        ),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
    }
    for name, (default, parse) in (HELPDESK_SETTINGS | MAIL_SETTINGS).items():
        config[name] = parse(name, environ[name]) if name in environ else default
    config["MAIL_SUPPRESS_SEND"] = False  # Flask-Mail would skip sending under TESTING
    if "SECRET_KEY" in environ:
        config["SECRET_KEY"] = environ["SECRET_KEY"]
    config.update(overrides)
    if "SQLALCHEMY_DATABASE_URI" in overrides:
        config["SQLALCHEMY_DATABASE_URI"] = database_url(overrides["SQLALCHEMY_DATABASE_URI"])
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = instance_secret_key(instance_path)
    _check_mail_settings(config)
    _check_storage_settings(config)
    _limiter_settings(config)
    config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(config))
    config["SESSION_COOKIE_SECURE"] = config["HELPDESK_SECURE_COOKIES"]
    config["REMEMBER_COOKIE_SECURE"] = config["HELPDESK_SECURE_COOKIES"]
    # Evidence files plus the form itself; larger bodies get 413 before any parsing.
    config.setdefault(
        "MAX_CONTENT_LENGTH",
        config["HELPDESK_MAX_ATTACHMENT_BYTES"] * config["HELPDESK_MAX_ATTACHMENTS"] + 1024 * 1024,
    )
    return config


def engine_options(config: dict) -> dict:
    """Check each pooled connection before use, so one the database server dropped (a restart, a
    terminated backend) is replaced instead of failing a request; SQLite's busy timeout."""
    options: dict = {"pool_pre_ping": True}
    if config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options["connect_args"] = {"timeout": config["HELPDESK_SQLITE_BUSY_TIMEOUT_MS"] / 1000}
    return options


def _check_mail_settings(config: dict) -> None:
    """Addresses that go into mail headers, and the base of the links in mail, checked once."""
    config["MAIL_DEFAULT_SENDER"] = (
        config["MAIL_DEFAULT_SENDER"] or config["HELPDESK_SUPPORT_ADDRESS"]
    )
    for name in ("HELPDESK_SUPPORT_ADDRESS", "MAIL_DEFAULT_SENDER", "HELPDESK_REPLY_DOMAIN"):
        if any(ch in config[name] for ch in "\r\n"):
            raise ConfigError(f"{name} cannot contain a line break")
    if "@" not in config["HELPDESK_SUPPORT_ADDRESS"]:
        raise ConfigError("HELPDESK_SUPPORT_ADDRESS must be an email address")
    support_domain = config["HELPDESK_SUPPORT_ADDRESS"].rsplit("@", 1)[1]
    config["HELPDESK_REPLY_DOMAIN"] = config["HELPDESK_REPLY_DOMAIN"] or support_domain
    if not config["HELPDESK_BASE_URL"].startswith(("http://", "https://")):
        raise ConfigError("HELPDESK_BASE_URL must start with http:// or https://")


def _check_storage_settings(config: dict) -> None:
    if isinstance(config["HELPDESK_ENCRYPTION_KEY"], str):  # given as text by the caller
        config["HELPDESK_ENCRYPTION_KEY"] = parse_keyring(
            "HELPDESK_ENCRYPTION_KEY", config["HELPDESK_ENCRYPTION_KEY"]
        )
    if config["HELPDESK_STORAGE"] == "s3" and not config["HELPDESK_S3_BUCKET"]:
        raise ConfigError("HELPDESK_STORAGE=s3 needs HELPDESK_S3_BUCKET")
    endpoint = config["HELPDESK_S3_ENDPOINT_URL"]
    if endpoint and not endpoint.startswith(("http://", "https://")):
        raise ConfigError("HELPDESK_S3_ENDPOINT_URL must start with http:// or https://")
    if bool(config["HELPDESK_S3_ACCESS_KEY_ID"]) != bool(config["HELPDESK_S3_SECRET_ACCESS_KEY"]):
        raise ConfigError(
            "set both HELPDESK_S3_ACCESS_KEY_ID and HELPDESK_S3_SECRET_ACCESS_KEY, or neither"
        )


def _limiter_settings(config: dict) -> None:
    """Flask-Limiter's own names, from ours: a moving window counts exactly, on every storage."""
    config.setdefault("RATELIMIT_STORAGE_URI", config["HELPDESK_RATELIMIT_STORAGE_URI"])
    config.setdefault("RATELIMIT_STRATEGY", "moving-window")
    config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
