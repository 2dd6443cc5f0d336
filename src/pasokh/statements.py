"""Core statements compiled once per dialect and run straight on the DBAPI cursor.

`Connection.execute` spends most of a short statement's client time in SQLAlchemy itself
(about 0.2 ms of CPU for a one-row SELECT on this machine, against 0.07 ms for the
psycopg cursor alone): it looks the compiled form up by a cache key built from the
statement on every call, builds an execution context, processes every parameter through
`construct_params` and wraps the cursor in a result. A hot path that runs the same few
statements thousands of times a second can compile them once and keep the part that is
the work: its own parameters through their types' bind processors, the cursor, the
result columns through their result processors.

What stays as with `Connection.execute`: the engine's `before_cursor_execute` and
`after_cursor_execute` events fire for every statement (statement counters and query
logs see them), DBAPI errors are raised as SQLAlchemy's exceptions, and psycopg still
prepares a statement on the server after a few executions (same text, same connection).
What a statement here may not need: expanding IN lists (bind an array instead) and
Python-side column defaults (a `default=`/`onupdate=` callable not given a value);
`Fast` refuses those when it compiles.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import exc
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import Executable

Processor = Callable[[Any], Any]


class _Compiled:
    """One statement for one dialect: its text, its fixed values and its processors."""

    def __init__(self, statement: Executable, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)  # type: ignore[attr-defined]
        assert isinstance(compiled, SQLCompiler)
        if compiled.insert_prefetch or compiled.update_prefetch:
            raise ValueError("statement needs Python-side column defaults; give them values")
        if compiled.escaped_bind_names:
            raise ValueError("bind names that need escaping are not supported")
        self.sql = compiled.string
        self.fixed: dict[str, Any] = {}
        self.processors: list[tuple[str, Processor]] = []
        for bind, name in compiled.bind_names.items():
            if bind.expanding:
                raise ValueError(f"expanding parameter {name!r}: bind an array instead")
            if not bind.required:
                self.fixed[name] = bind.effective_value
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                self.processors.append((name, processor))
        self.positions: tuple[str, ...] | None = (
            tuple(compiled.positiontup or ()) if compiled.positional else None)
        # Known here, so no call reads `cursor.description` (psycopg builds its columns).
        self.returns_rows = bool(compiled._result_columns)
        self.results: list[tuple[int, Processor]] = []
        for i, column in enumerate(compiled._result_columns):
            processor = column.type.dialect_impl(dialect).result_processor(dialect, None)
            if processor is not None:
                self.results.append((i, processor))

    def parameters(self, params: Mapping[str, Any]) -> Any:
        values = {**self.fixed, **params} if self.fixed else dict(params)
        for name, processor in self.processors:
            if name in values:
                values[name] = processor(values[name])
        if self.positions is None:
            return values
        return tuple(values[name] for name in self.positions)

    def row(self, row: Sequence[Any]) -> tuple[Any, ...]:
        if not self.results:
            return tuple(row)
        values = list(row)
        for i, processor in self.results:
            values[i] = processor(values[i])
        return tuple(values)


class Fast:
    """A Core statement run on the DBAPI cursor: `rows(conn, params)` -> list of tuples."""

    def __init__(self, statement: Executable) -> None:
        self.statement = statement
        self._compiled: dict[Dialect, _Compiled] = {}

    def compiled(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect)
        if compiled is None:
            compiled = self._compiled[dialect] = _Compiled(self.statement, dialect)
        return compiled

    def rows(self, conn: Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Run the statement in `conn`'s transaction; every row it returns, processed."""
        compiled = self.compiled(conn.dialect)
        values = compiled.parameters(params)
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        cursor = dbapi.cursor()
        try:
            sql = compiled.sql
            conn.dispatch.before_cursor_execute(conn, cursor, sql, values, None, False)
            try:
                cursor.execute(sql, values)
                fetched = cursor.fetchall() if compiled.returns_rows else []
            except conn.dialect.loaded_dbapi.Error as error:
                raise exc.DBAPIError.instance(sql, values, error,
                                              conn.dialect.loaded_dbapi.Error,
                                              dialect=conn.dialect) from error
            conn.dispatch.after_cursor_execute(conn, cursor, sql, values, None, False)
        finally:
            cursor.close()
        return [compiled.row(row) for row in fetched]

    def first(self, conn: Connection, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The statement's first row, or None."""
        rows = self.rows(conn, params)
        return rows[0] if rows else None
