"""Blobs as rows of the `blobs` table (bytea on PostgreSQL, BLOB on SQLite).

Every write and deletion goes through the app's session, so it is part of the caller's
transaction: evidence commits with its Attachment rows, raw mail with its InboundMail row, and
a rollback leaves nothing behind. Nothing here commits.
"""

import io
from collections.abc import Iterator
from typing import BinaryIO

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..database import db, utcnow
from ..models import Blob
from . import BlobMissing, check_key

_INSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


class DatabaseStore:
    transactional = True

    def put(self, key: str, data: bytes | BinaryIO) -> None:
        content = data if isinstance(data, bytes) else data.read()
        row = {"key": check_key(key), "data": content, "size": len(content), "created_at": utcnow()}
        insert = _INSERT[db.session.get_bind().dialect.name](Blob).values(row)
        # Two requests storing the same evidence at once both succeed: the second replaces the
        # first's bytes with the same bytes, where a plain INSERT would fail on the key.
        db.session.execute(
            insert.on_conflict_do_update(
                index_elements=[Blob.key],
                set_={"data": insert.excluded.data, "size": insert.excluded.size},
            )
        )

    def get(self, key: str) -> bytes:
        data = db.session.scalar(select(Blob.data).where(Blob.key == key))
        if data is None:
            raise BlobMissing(key)
        return data

    def open(self, key: str) -> BinaryIO:
        return io.BytesIO(self.get(key))

    def exists(self, key: str) -> bool:
        return db.session.scalar(select(Blob.key).where(Blob.key == key)) is not None

    def delete(self, key: str) -> None:
        db.session.execute(delete(Blob).where(Blob.key == key))

    def keys(self, prefix: str = "") -> Iterator[str]:
        query = select(Blob.key).where(Blob.key.startswith(prefix, autoescape=True))
        yield from db.session.scalars(query.order_by(Blob.key)).all()

    def rename(self, source: str, target: str) -> None:
        if not self.exists(source):
            raise BlobMissing(source)
        self.delete(check_key(target))
        db.session.execute(update(Blob).where(Blob.key == source).values(key=target))
