"""Core statements run on the DBAPI connection itself, for the few transactions on the hot path.

SQLAlchemy's Session and execution layer cost about 70 µs a transaction and 20–60 µs a statement in
Python, against a few µs for SQLite to run one of Pacer's indexed statements: on `/deal` they were
most of the database time. A `Direct` transaction runs the same Core statements the store modules
already use (`session.connection().execute(statement, values)` works unchanged on it), each compiled
once per dialect and set of inserted columns into its SQL text, parameter order and SQLAlchemy's own
bind and result processors for every type — so the SQL, the stored values and the values read back
are exactly what SQLAlchemy would send and return. Scalar column defaults are filled in as
SQLAlchemy would; what a `Direct` cannot do (the ORM, executemany, parameters that change the SQL
at execution) it refuses, naming the statement, so such code runs in a `Session` instead.

Driver errors are raised as SQLAlchemy's (`IntegrityError`, `OperationalError`…), so the unit of
work's retry and every caller's handling see what they would see through a Session; a connection the
driver reports as lost is invalidated, never returned to the pool.

Engine events do not fire for these statements; `Database.tracers` sees them instead (tests and
benchmarks count statements and transactions with it).
"""

from __future__ import annotations

import threading
from collections import namedtuple
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeAlias

from sqlalchemy import Engine
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement
from sqlmodel import Session

Tracer = Callable[[object, str], None]
"""Called with (the Direct transaction, "BEGIN…" | the SQL | "COMMIT" | "ROLLBACK")."""

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Compiled:
    sql: str
    order: tuple[str, ...] | None  # positional paramstyle: bind names in order; None: named
    fixed: dict[str, Any]  # values bound in the statement itself, and scalar column defaults
    generated: tuple[tuple[str, Callable[[Any], Any]], ...]  # column defaults computed per row
    binds: tuple[tuple[str, Processor], ...]  # name → SQLAlchemy's bind processor, where there is one
    row: type | None  # a named tuple of the result columns (None: no result rows)
    results: tuple[Processor, ...]


class _Statements:
    """Compiled forms, per statement object, dialect and inserted columns (a bounded, thread-safe map).

    The store's statements are module constants, so each compiles once per process; a statement built
    per call compiles per call, as it would through SQLAlchemy without its cache."""

    LIMIT = 512

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._compiled: dict[tuple[int, str, tuple[str, ...]], tuple[ClauseElement, _Compiled]] = {}

    def get(self, statement: ClauseElement, dialect: Dialect, keys: tuple[str, ...]) -> _Compiled:
        key = (id(statement), dialect.name, keys)
        found = self._compiled.get(key)
        if found is not None and found[0] is statement:
            return found[1]
        compiled = _compile(statement, dialect, frozenset(keys))
        with self._lock:
            if len(self._compiled) >= self.LIMIT:
                self._compiled.clear()
            self._compiled[key] = (statement, compiled)  # the statement is kept, so its id is not reused
        return compiled


_STATEMENTS = _Statements()


def _compile(statement: ClauseElement, dialect: Dialect, keys: frozenset[str]) -> _Compiled:
    compiled: Any = statement.compile(dialect=dialect, column_keys=sorted(keys))  # as SQLAlchemy compiles it
    if compiled.post_compile_params or compiled.literal_execute_params or compiled.escaped_bind_names:
        raise NotImplementedError(f"needs SQLAlchemy's execution layer, run it in a Session: {compiled.string}")
    fixed: dict[str, Any] = {}
    binds: list[tuple[str, Processor]] = []
    for name, bind in compiled.binds.items():
        if name not in keys and not bind.required:
            fixed[name] = bind.effective_value
        processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
        if processor is not None:
            binds.append((name, processor))
    generated: list[tuple[str, Callable[[Any], Any]]] = []
    for column in (*compiled.insert_prefetch, *compiled.update_prefetch):
        default = column.default
        if default is not None and default.is_scalar:
            fixed[column.key] = default.arg
        elif default is not None and default.is_callable:  # called with no context, as SQLAlchemy wraps one
            generated.append((column.key, default.arg))
        else:
            raise NotImplementedError(f"{column} has no value and no plain default: give it one")
    columns = list(getattr(statement, "exported_columns", ()))
    row = namedtuple("Row", [c.key or f"c{i}" for i, c in enumerate(columns)], rename=True) if columns else None
    results = tuple(c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns)
    order = tuple(compiled.positiontup) if compiled.positional else None
    return _Compiled(compiled.string, order, fixed, tuple(generated), tuple(binds), row, results)


class Result:
    """The rows of one statement, fetched at once: `first`, `one`, `all`, `scalar`, `scalar_one`."""

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def __iter__(self) -> Iterator[Any]:
        return iter(self._rows)

    def all(self) -> list[Any]:
        return list(self._rows)

    def first(self) -> Any:
        return self._rows[0] if self._rows else None

    def one(self) -> Any:
        if len(self._rows) != 1:
            raise LookupError(f"expected one row, got {len(self._rows)}")
        return self._rows[0]

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None

    def scalar_one(self) -> Any:
        return self.one()[0]


class Direct:
    """One transaction on one pooled DBAPI connection (see the module doc). `Database.direct_reading()`
    and `Database.direct_transaction()` make them; store functions take one wherever they take a
    Session and use nothing but `connection().execute`, `dialect`, `get_bind()` and `info`."""

    def __init__(self, pooled: Any, *, engine: Engine, writes: bool, tracers: Sequence[Tracer] = ()) -> None:
        self._pooled = pooled
        self.writes = writes
        self._cursor = pooled.cursor()
        self.engine = engine
        self.dialect = engine.dialect
        self.info: dict[str, Any] = {}
        self._tracers = tuple(tracers)

    def connection(self) -> Direct:
        """Itself: store code written as `session.connection().execute(…)` runs on it unchanged."""
        return self

    def get_bind(self) -> Engine:
        return self.engine

    @contextmanager
    def separate_reading(self) -> Iterator[Session]:
        """An ORM read session of its own beside this reading, for the rare read that needs the ORM.
        It is another transaction: read only rows that cannot have changed in between."""
        if self.writes:
            raise RuntimeError("a separate session beside a write transaction would wait for its lock")
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    def execute(self, statement: ClauseElement, parameters: dict[str, Any] | None = None) -> Result:
        if parameters is not None and not isinstance(parameters, dict):
            raise NotImplementedError("one row of parameters at a time here; run executemany in a Session")
        given = parameters or {}
        compiled = _STATEMENTS.get(statement, self.dialect, tuple(given))  # a call site passes its keys in one order
        values = {**compiled.fixed, **given} if compiled.fixed else dict(given)
        for name, make in compiled.generated:
            if name not in given:
                values[name] = make(None)
        for name, process in compiled.binds:
            if name in values:
                values[name] = process(values[name])  # type: ignore[misc]
        bound: Any = values if compiled.order is None else [values[name] for name in compiled.order]
        if self._tracers:
            self._trace(compiled.sql)
        cursor = self._cursor
        try:
            cursor.execute(compiled.sql, bound)
            fetched = cursor.fetchall() if cursor.description is not None else []
        except self.dialect.loaded_dbapi.Error as error:
            raise self._wrapped(error, compiled.sql, bound) from error
        if compiled.row is None:
            return Result([], cursor.rowcount)
        make, results = compiled.row._make, compiled.results  # type: ignore[attr-defined]
        if any(results):
            fetched = [tuple(raw if p is None else p(raw) for p, raw in zip(results, r, strict=True)) for r in fetched]
        return Result([make(r) for r in fetched], cursor.rowcount)

    def run_driver(self, sql: str) -> None:
        """A statement with no parameters and no rows (BEGIN), traced like the rest."""
        self._trace(sql)
        try:
            self._cursor.execute(sql)
        except self.dialect.loaded_dbapi.Error as error:
            raise self._wrapped(error, sql, ()) from error

    def end(self, *, commit: bool) -> None:
        self._trace("COMMIT" if commit else "ROLLBACK")
        try:
            self._cursor.close()
            if commit:
                self._pooled.commit()
            else:
                self._pooled.rollback()
        except self.dialect.loaded_dbapi.Error as error:
            raise self._wrapped(error, "COMMIT" if commit else "ROLLBACK", ()) from error

    def _trace(self, sql: str) -> None:
        for tracer in self._tracers:
            tracer(self, sql)

    def _wrapped(self, error: Any, sql: str, bound: Any) -> Exception:
        dbapi = self.dialect.loaded_dbapi
        if self.dialect.is_disconnect(error, self._pooled.dbapi_connection, self._cursor):
            self._pooled.invalidate(error)
        wrapped: Exception = DBAPIError.instance(sql, bound, error, dbapi.Error, dialect=self.dialect)
        return wrapped


Tx: TypeAlias = Session | Direct
"""A transaction store functions run in: an ORM Session, or a `Direct` one where they use only Core."""
