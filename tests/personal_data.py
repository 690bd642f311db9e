"""Where a personal string could hide: every column of every table (found by reflection, so a
table added later is searched too, the search index's own tables included), the raw mail
decoded part by part, and every file in the evidence store."""

import json
from email import policy
from email.parser import BytesParser
from pathlib import Path

from sqlalchemy import MetaData, select

from helpdesk import storage
from helpdesk.database import db


def decoded_mail(raw: bytes) -> str:
    """A stored mail as text: its headers and each part decoded from its transfer encoding."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    texts = []
    for part in message.walk():
        texts.extend(f"{name}: {value}" for name, value in part.items())
        if not part.is_multipart():
            payload = part.get_payload(decode=True) or b""
            texts.append(payload.decode(part.get_content_charset() or "utf-8", "replace"))
    return "\n".join(texts)


def _as_text(value) -> str:
    if isinstance(value, bytes | memoryview):
        data = bytes(value)
        decoded = data.decode("latin-1")
        return decoded + "\n" + decoded_mail(data) if b":" in data[:200] else decoded
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else str(value)


def dump() -> dict[tuple[str, str], list[str]]:
    """(table, column) -> every row's value as text, in primary-key order."""
    metadata = MetaData()
    metadata.reflect(db.session.connection())
    cells: dict[tuple[str, str], list[str]] = {}
    connection = db.session.connection()  # the session's: SQLite allows one writer at a time
    for table in metadata.sorted_tables:
        order = list(table.primary_key.columns) or list(table.columns)[:1]
        for row in connection.execute(select(table).order_by(*order)):
            for column, value in row._mapping.items():
                cells.setdefault((table.name, column), []).append(_as_text(value))
    db.session.rollback()
    return cells


def places(needle: str, cells: dict[tuple[str, str], list[str]]) -> list[tuple[str, str]]:
    """The (table, column) pairs where the text appears, in any case."""
    needle = needle.lower()
    return [key for key, values in cells.items() if any(needle in v.lower() for v in values)]


def stored_files(root: str | Path) -> dict[str, bytes]:
    root = Path(root)
    if not root.exists():
        return {}
    return {
        str(path.relative_to(root)): path.read_bytes() for path in root.rglob("*") if path.is_file()
    }


def in_files(needle: bytes, root: str | Path) -> list[str]:
    return [name for name, data in stored_files(root).items() if needle.lower() in data.lower()]


def stored_blobs() -> dict[str, bytes]:
    """Every blob the configured storage backend holds (filesystem, database or S3), by key."""
    store = storage.current()
    blobs = {key: store.get(key) for key in store.keys("")}
    db.session.rollback()
    return blobs


def in_blobs(needle: bytes) -> list[str]:
    """The keys of the blobs holding the text, raw mail searched part by part as well."""
    found = []
    for key, data in stored_blobs().items():
        text = data + decoded_mail(data).encode() if key.startswith("mail/") and data else data
        if needle.lower() in text.lower():
            found.append(key)
    return found
