"""New rows written with one Core INSERT each, then kept in the session as a flush keeps them.

A report writes a ticket, its first message, its `created` event and its acknowledgment; mail
intake first writes the inbound mail's row. The ORM's unit of work, which sorts and syncs
whatever a flush holds, cost more than the rows themselves (over a third of
`tickets.open_ticket`, measured in-process and with bench.submissions); these rows need none
of it: their order is known, and so is every value before the INSERT.

What the unit of work did on the side is done here too: Python-side column defaults are drawn,
foreign keys are read from the related objects, and the rows are counted in the roll-ups
(reports.rollups.count_inserted), whose own listener only sees flushed rows.
"""

from functools import cache
from typing import Any

from sqlalchemy import Insert, inspect
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import InstanceState, Mapper, RelationshipDirection

from .database import db
from .reports import rollups


def insert(*rows: Any, unless_taken: bool = False) -> bool:
    """INSERT new ORM objects in the order given (a parent before its children), and put them
    in the session as persistent and unchanged, as a flush would; a rollback takes them out
    again. Pending changes are flushed first, so the rows' parents have their ids.

    With `unless_taken`, a first row that would break a unique constraint is not written, nor
    anything after it, and False says so.
    """
    session = db.session()  # the request's own Session, not its scoped proxy
    session.flush()
    connection = session.connection()
    for number, row in enumerate(rows):
        state = inspect(row)
        statement = _statement(state.mapper, connection.dialect.name, unless_taken and number == 0)
        row_id = connection.execute(statement, _column_values(state)).scalar()
        if row_id is None:
            return False
        setattr(row, state.mapper.primary_key[0].key, row_id)  # _statement returns it
    session.add_all(rows)
    if unexpected := set(session.new) - set(rows):
        raise ValueError(f"rows not given would be inserted with these: {unexpected}")
    # What a flush does after its INSERTs: the session's own record of new rows in this
    # transaction is what a rollback expunges.
    session._register_persistent({inspect(row) for row in rows})
    rollups.count_inserted(rows)
    return True


def _column_values(state: InstanceState) -> dict[str, Any]:
    """Every column's value but the primary key's: as set on the object, else from the related
    object that sets it, else the column's default, else None; all of them set on the object
    too, as a flush would leave it."""
    row, columns = state.obj(), _columns(state.mapper)
    values = {key: state.dict.get(key) for key in columns}
    for relationship in _parents(state.mapper):
        related = state.dict.get(relationship.key)
        if related is not None:
            for local, remote in relationship.local_remote_pairs:
                values[local.key] = getattr(related, remote.key)
    for key, default in columns.items():
        if values[key] is None and default is not None:
            values[key] = default.arg(None) if default.is_callable else default.arg
        setattr(row, key, values[key])
    return values


@cache
def _columns(mapper: Mapper) -> dict:
    """{column: its Python-side default or None}, the primary key left out. Each column's
    attribute has the column's name, as everywhere in models.py."""
    columns = [column for column in mapper.local_table.columns if not column.primary_key]
    for column in columns:
        if mapper.get_property_by_column(column).key != column.key:
            raise NotImplementedError(f"{column} is mapped under another name")
    return {column.key: column.default for column in columns}


@cache
def _parents(mapper: Mapper) -> list:
    return [
        relationship
        for relationship in mapper.relationships
        if relationship.direction is RelationshipDirection.MANYTOONE
    ]


@cache
def _statement(mapper: Mapper, dialect_name: str, unless_taken: bool) -> Insert:
    """Built once per table: building it cost about as much as running it."""
    table, primary_key = mapper.local_table, mapper.primary_key[0]
    if not unless_taken:
        return table.insert().returning(primary_key)
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing().returning(primary_key)
