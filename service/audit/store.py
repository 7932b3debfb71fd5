"""The audit store: one hash-chained row per request, feedback rows, and the ``jti`` cache.

Database: SQLite by default (a file URL such as ``sqlite:///./cds_audit.db``), PostgreSQL
through ``DATABASE_URL`` (``postgresql://`` URLs are driven by psycopg 3). Tables are created by
:meth:`AuditStore.create_all` (idempotent, safe to run from several processes at once).

Tamper evidence
    ``row_hash`` = HMAC-SHA256(chain key, canonical JSON of the row's fields and
    ``prev_hash``), where the chain key is derived from ``CDS_SECRET_KEY``. Someone who can
    write to the database but does not hold the secret cannot rebuild the chain after editing
    or deleting a row; :meth:`AuditStore.verify_chain` names the first broken row. Keep the
    secret stable: rows written under another secret no longer verify.

Concurrent writers (several gateway workers or replicas)
    Appending reads the chain head and inserts in one transaction that holds the chain lock:
    on PostgreSQL ``SELECT ... FOR UPDATE`` on the single ``audit_chain_head`` row (writers
    queue on that row lock; READ COMMITTED re-reads the latest head after the wait); on SQLite
    ``BEGIN IMMEDIATE`` (the database write lock), with WAL journaling and a 30 s busy timeout
    so readers never block and writers wait instead of failing.

Never blocking the event loop
    ``record`` (and ``submit``, which does not wait) hands entries to one writer thread per
    store, which appends everything queued in one transaction (group commit: one lock round
    trip for many requests) and resolves each caller's future after the commit. Under
    steady traffic it starts a commit at most every :data:`AUDIT_LINGER_S`, so batches
    grow with the request rate. Other calls run in anyio's worker threads.

The append is the one hot path (a row per request): its statements are compiled once for the
engine's dialect and run on a pooled DBAPI connection with the columns' own bind processors,
so a batch costs a few driver calls instead of SQLAlchemy's per-statement construction,
compilation-cache lookup, result and transaction bookkeeping (rows are stored exactly as
SQLAlchemy would store them). Everything else uses SQLAlchemy Core.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import math
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TextIO, TypeVar

import anyio
from sqlalchemy import (
    Engine,
    Table,
    bindparam,
    create_engine,
    delete,
    event,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection, Dialect, make_url
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.pool import StaticPool
from sqlmodel import SQLModel

from service.audit.entry import MAX_RESOURCE_REFS, AuditEntry, FeedbackEntry, is_identifier
from service.audit.models import (
    AUDIT_TABLES,
    GENESIS_HASH,
    AuditChainHead,
    AuditRecord,
    FeedbackRecord,
    SeenJti,
)

logger = logging.getLogger("service.audit")

_RECORDS: Table = AuditRecord.__table__  # type: ignore[attr-defined]
_HEAD: Table = AuditChainHead.__table__  # type: ignore[attr-defined]
_FEEDBACK: Table = FeedbackRecord.__table__  # type: ignore[attr-defined]
_SEEN: Table = SeenJti.__table__  # type: ignore[attr-defined]

#: Fields covered by ``row_hash``: every column except ``row_hash`` itself. Spelled out, not
#: derived from the table, so that adding a column cannot silently change the hash of rows
#: already written (a unit test checks the list still matches the table).
CHAIN_FIELDS = (
    "id",
    "time",
    "caller_issuer",
    "caller_client",
    "tenant",
    "endpoint",
    "hook",
    "hook_instance",
    "resource_ids",
    "resource_count",
    "patient_ref_hash",
    "outcome",
    "http_status",
    "latency_ms",
    "model_name",
    "model_version",
    "phi_spans",
    "prev_hash",
)
_PURGE_INTERVAL_S = 60.0
#: Under load, the writer thread starts a commit at most this often (see
#: :class:`_GroupCommitWriter`): about ten rows per commit at 1,000 requests/s, for at most
#: this much more time before a row is committed. A clean shutdown still writes every row; a
#: crash loses the rows still queued, which can now be up to one interval's worth.
AUDIT_LINGER_S = 0.01
#: Any number works as long as every process uses the same one (PostgreSQL advisory lock).
_SCHEMA_LOCK_ID = 0x434453_41554454


@dataclass(frozen=True, slots=True)
class ChainReport:
    """Result of :meth:`AuditStore.verify_chain`."""

    ok: bool
    count: int
    first_broken_id: int | None = None
    reason: str | None = None


def _normalize_url(database_url: str) -> str:
    url = make_url(database_url)
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    return url.render_as_string(hide_password=False)


def _make_engine(database_url: str) -> Engine:
    url = _normalize_url(database_url)
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)
    memory = make_url(url).database in (None, "", ":memory:")
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        # One shared connection for an in-memory database, or every connection sees its own.
        poolclass=StaticPool if memory else None,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # pysqlite's own transaction handling would defer BEGIN; we emit it ourselves below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=30000")
        if not memory:
            _enable_wal(cursor)
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # IMMEDIATE takes the write lock up front, so two appenders can never both read the
        # same chain head; read-only work asks for a plain (snapshot) BEGIN.
        readonly = conn.get_execution_options().get("cds_readonly", False)
        conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

    return engine


def _enable_wal(cursor: Any) -> None:
    """Switch the database file to WAL (persistent, so usually a no-op check).

    Converting a fresh file races when several processes open it at once, and SQLite answers
    that race with an immediate "database is locked" (the busy timeout does not apply), so
    retry for a while; if it still fails, the rollback journal keeps working, only with less
    read concurrency.
    """
    for _ in range(200):
        try:
            if str(cursor.execute("PRAGMA journal_mode").fetchone()[0]).lower() == "wal":
                return
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError:
            time.sleep(0.025)
    logger.warning("could not switch the audit database to WAL mode; continuing without it")


def _canonical_time(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


#: Encoders built once: ``json.dumps`` with options builds a new encoder on every call, and
#: the append runs these several times per row. Same output as the equivalent ``dumps``.
_CANONICAL_JSON = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=True)
_COMPACT_JSON = json.JSONEncoder(separators=(",", ":"))


def canonical_row(row: Mapping[str, Any]) -> bytes:
    """The bytes ``row_hash`` covers: sorted-key JSON of :data:`CHAIN_FIELDS`."""
    doc: dict[str, Any] = {}
    for name in CHAIN_FIELDS:
        value = row[name]
        if isinstance(value, datetime):
            value = _canonical_time(value)
        elif isinstance(value, float):
            value = format(value, ".3f")
        doc[name] = value
    return _CANONICAL_JSON.encode(doc).encode()


@dataclass(frozen=True, slots=True)
class _CompiledSQL:
    """One statement compiled for a dialect: its SQL and how to lay out its parameters."""

    sql: str
    #: Parameter names in placeholder order for positional paramstyles (``qmark``), else None.
    order: tuple[str, ...] | None
    #: Bind processors by parameter name (e.g. SQLite's datetime-to-string), as SQLAlchemy
    #: would apply them.
    processors: Mapping[str, Callable[[Any], Any]]

    @classmethod
    def build(cls, statement: Any, dialect: Dialect, table: Table | None = None) -> _CompiledSQL:
        compiled = statement.compile(dialect=dialect)
        processors: dict[str, Callable[[Any], Any]] = {}
        if table is not None:
            for column in table.columns:
                proc = column.type.dialect_impl(dialect).bind_processor(dialect)
                if proc is not None:
                    processors[column.name] = proc
        order = tuple(compiled.positiontup) if compiled.positional else None
        return cls(sql=str(compiled), order=order, processors=processors)

    def params(self, values: Mapping[str, Any]) -> Sequence[Any] | Mapping[str, Any]:
        if self.processors:
            values = {
                k: (self.processors[k](v) if k in self.processors else v) for k, v in values.items()
            }
        if self.order is None:
            return values
        return tuple(values[name] for name in self.order)


@dataclass(frozen=True, slots=True)
class _AppendSQL:
    """The append transaction's statements for one dialect (see the module docstring)."""

    #: SQL that opens the transaction with the write lock (SQLite), or None where the
    #: driver opens it implicitly (psycopg, not in autocommit mode).
    begin: str | None
    head: _CompiledSQL
    insert: _CompiledSQL
    update: _CompiledSQL

    @classmethod
    def for_dialect(cls, dialect: Dialect) -> _AppendSQL:
        head = (
            select(_HEAD.c.last_id, _HEAD.c.last_hash)
            .where(_HEAD.c.id == bindparam("head_row"))
            .with_for_update()
        )
        move = (
            update(_HEAD)
            .where(_HEAD.c.id == bindparam("head_row"))
            .values(last_id=bindparam("new_last_id"), last_hash=bindparam("new_last_hash"))
        )
        return cls(
            begin="BEGIN IMMEDIATE" if dialect.name == "sqlite" else None,
            head=_CompiledSQL.build(head, dialect),
            insert=_CompiledSQL.build(insert(_RECORDS), dialect, _RECORDS),
            update=_CompiledSQL.build(move, dialect),
        )


T = TypeVar("T")


class _GroupCommitWriter(Generic[T]):
    """One thread that writes everything queued so far in one call (group commit).

    Under a steady stream of rows, commits start at most every ``linger_s`` seconds: a row
    that arrives sooner after the previous commit waits for the rest of that interval, and
    whatever arrives meanwhile joins its batch. Why: a SQLite commit costs about 120 µs of
    CPU for one row against about 45 µs per row for ten or more, and every commit wakes this
    thread, which then takes the GIL from the event loop several times. With one commit per
    request, a gateway worker under load spent 50-80 µs more CPU per request. A row that
    comes after a quiet spell (no commit for ``linger_s``) is written at once, so light
    traffic waits no longer than before. :meth:`close` still writes every queued row.
    """

    def __init__(
        self,
        write: Callable[[list[T]], None],
        *,
        max_batch: int,
        name: str,
        linger_s: float = 0.0,
    ) -> None:
        if linger_s < 0:
            raise ValueError("linger_s must be >= 0")
        self._write = write
        self._max_batch = max_batch
        self._linger_s = linger_s
        self._queue: queue.SimpleQueue[tuple[T, Future[None]] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, item: T) -> Future[None]:
        future: Future[None] = Future()
        self._queue.put((item, future))
        return future

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        stop = False
        # When the previous commit started; -inf: the first row is written at once.
        last_start = -math.inf
        while not stop:
            first = self._queue.get()
            if first is None:
                return
            wait = last_start + self._linger_s - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            last_start = time.monotonic()
            batch = [first]
            while len(batch) < self._max_batch:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                batch.append(nxt)
            live = [(item, fut) for item, fut in batch if fut.set_running_or_notify_cancel()]
            if not live:
                continue
            try:
                self._write([item for item, _ in live])
            except BaseException as exc:  # every waiter must hear about the failure
                for _, fut in live:
                    fut.set_exception(exc)
            else:
                for _, fut in live:
                    fut.set_result(None)


class AuditStore:
    """Audit rows, feedback rows and the ``jti`` replay cache in one database.

    Implements the security package's ``ReplayCache`` protocol (:meth:`claim`). Call
    :meth:`create_all` once at startup and :meth:`aclose` on shutdown. ``linger_s`` is the
    writer thread's shortest interval between commits under load (0: commit as soon as a row
    is queued).
    """

    def __init__(
        self,
        database_url: str,
        *,
        secret: bytes,
        max_batch: int = 256,
        linger_s: float = AUDIT_LINGER_S,
    ) -> None:
        if not secret:
            raise ValueError("the audit store needs a secret for its keyed hashes")
        if linger_s < 0:
            raise ValueError("linger_s must be >= 0")
        self._engine = _make_engine(database_url)
        self._ref_key = hmac.new(secret, b"cds-sentiment/audit/ref/v1", hashlib.sha256).digest()
        self._chain_key = hmac.new(secret, b"cds-sentiment/audit/chain/v1", hashlib.sha256).digest()
        self._max_batch = max_batch
        self._linger_s = linger_s
        self._append_sql = _AppendSQL.for_dialect(self._engine.dialect)
        self._writer: _GroupCommitWriter[AuditEntry] | None = None
        self._writer_lock = threading.Lock()
        self._last_purge = time.monotonic()

    @property
    def engine(self) -> Engine:
        return self._engine

    @property
    def dialect(self) -> str:
        return self._engine.dialect.name

    # --- schema ---------------------------------------------------------------------------

    def create_all(self) -> None:
        """Create the tables and the chain head row if missing (idempotent, multi-process)."""
        with self._engine.begin() as conn:
            if self.dialect == "postgresql":
                # Serializes concurrent first starts; SQLite's BEGIN IMMEDIATE already does.
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _SCHEMA_LOCK_ID})
            SQLModel.metadata.create_all(conn, tables=list(AUDIT_TABLES))
            if conn.execute(select(_HEAD.c.id).where(_HEAD.c.id == 1)).first() is None:
                conn.execute(insert(_HEAD).values(id=1, last_id=0, last_hash=GENESIS_HASH))

    # --- hashing --------------------------------------------------------------------------

    def hash_ref(self, ref: str) -> str:
        """Keyed hash (HMAC-SHA256, hex) of a reference such as ``Patient/123``."""
        return hmac.digest(self._ref_key, ref.encode(), "sha256").hex()

    def _row_hash(self, row: Mapping[str, Any]) -> str:
        return hmac.digest(self._chain_key, canonical_row(row), "sha256").hex()

    def _tenant(self, tenant: str | None) -> str | None:
        if tenant is None or is_identifier(tenant):
            return tenant
        return "h:" + self.hash_ref("tenant:" + tenant)[:40]

    # --- audit rows -----------------------------------------------------------------------

    async def record(self, entry: AuditEntry) -> None:
        """Append ``entry`` to the chain; returns after the commit (errors propagate)."""
        future = self.submit(entry)
        # shield: a cancelled request must not cancel the write of its own audit row.
        await asyncio.shield(asyncio.wrap_future(future))

    def submit(self, entry: AuditEntry) -> Future[None]:
        """Queue ``entry`` for the writer thread and return at once (no event loop needed).

        The future completes after the commit, or with the write's exception. Rows still
        queued are written by :meth:`close`, so a graceful shutdown loses none.
        """
        if not isinstance(entry, AuditEntry):
            raise TypeError("submit() takes an AuditEntry")
        return self._get_writer().submit(entry)

    def record_sync(self, entries: Sequence[AuditEntry]) -> None:
        """Append entries from synchronous code (CLI, tests): one transaction."""
        self._append(list(entries))

    def _get_writer(self) -> _GroupCommitWriter[AuditEntry]:
        with self._writer_lock:
            if self._writer is None:
                self._writer = _GroupCommitWriter(
                    self._append,
                    max_batch=self._max_batch,
                    name="audit-writer",
                    linger_s=self._linger_s,
                )
            return self._writer

    def _row_values(self, entry: AuditEntry, row_id: int, prev_hash: str) -> dict[str, Any]:
        hashes = [self.hash_ref(ref) for ref in entry.resource_refs[:MAX_RESOURCE_REFS]]
        row: dict[str, Any] = {
            "id": row_id,
            "time": entry.time.astimezone(UTC),
            "caller_issuer": entry.caller_issuer,
            "caller_client": entry.caller_client,
            "tenant": self._tenant(entry.tenant),
            "endpoint": entry.endpoint,
            "hook": entry.hook,
            "hook_instance": None if entry.hook_instance is None else str(entry.hook_instance),
            "resource_ids": _COMPACT_JSON.encode(hashes),
            "resource_count": len(entry.resource_refs),
            "patient_ref_hash": None
            if entry.patient_ref is None
            else self.hash_ref(entry.patient_ref),
            "outcome": entry.outcome,
            "http_status": entry.http_status,
            "latency_ms": round(float(entry.latency_ms), 3),
            "model_name": entry.model_name,
            "model_version": entry.model_version,
            "phi_spans": _CANONICAL_JSON.encode(dict(entry.phi_spans)),
            "prev_hash": prev_hash,
        }
        row["row_hash"] = self._row_hash(row)
        return row

    def _append(self, entries: list[AuditEntry]) -> None:
        if not entries:
            return
        sql = self._append_sql
        # A pooled DBAPI connection (pre-ping and recycling still apply), driven directly.
        dbapi = self._engine.raw_connection()
        try:
            cursor = dbapi.cursor()
            try:
                if sql.begin is not None:
                    # SQLite: take the write lock up front (as _make_engine's begin hook does).
                    cursor.execute(sql.begin)
                # The chain lock: FOR UPDATE on PostgreSQL (the driver opened the transaction);
                # on SQLite the transaction already holds the write lock.
                cursor.execute(sql.head.sql, sql.head.params({"head_row": 1}))
                head = cursor.fetchone()
                if head is None:
                    raise RuntimeError("audit chain head row is missing (run create_all)")
                last_id, last_hash = int(head[0]), str(head[1])
                rows: list[Any] = []
                for entry in entries:
                    last_id += 1
                    row = self._row_values(entry, last_id, last_hash)
                    last_hash = row["row_hash"]
                    rows.append(sql.insert.params(row))
                cursor.executemany(sql.insert.sql, rows)
                cursor.execute(
                    sql.update.sql,
                    sql.update.params(
                        {"head_row": 1, "new_last_id": last_id, "new_last_hash": last_hash}
                    ),
                )
                dbapi.commit()
            except BaseException:
                dbapi.rollback()
                raise
            finally:
                cursor.close()
        finally:
            dbapi.close()  # back to the pool

    # --- feedback -------------------------------------------------------------------------

    async def record_feedback(self, entry: FeedbackEntry) -> None:
        """Store one feedback item (not chained: feedback is not a request record)."""
        if not isinstance(entry, FeedbackEntry):
            raise TypeError("record_feedback() takes a FeedbackEntry")
        await anyio.to_thread.run_sync(self._insert_feedback, entry)

    def _insert_feedback(self, entry: FeedbackEntry) -> None:
        values = {
            "received_at": entry.received_at.astimezone(UTC),
            "service_id": entry.service_id,
            "card_uuid": str(entry.card_uuid),
            "outcome": entry.outcome,
            "outcome_timestamp": entry.outcome_timestamp.astimezone(UTC),
            "accepted_suggestions": json.dumps([str(u) for u in entry.accepted_suggestions]),
            "override_reason_system": entry.override_reason_system,
            "override_reason_code": entry.override_reason_code,
            "caller_issuer": entry.caller_issuer,
            "caller_client": entry.caller_client,
            "tenant": self._tenant(entry.tenant),
        }
        with self._engine.begin() as conn:
            conn.execute(insert(_FEEDBACK).values(**values))

    # --- jti replay cache -----------------------------------------------------------------

    async def claim_jti(self, jti: str, issuer: str, expires_at: datetime) -> bool:
        """``True`` the first time ``(issuer, jti)`` is seen before ``expires_at``.

        The primary key on the hash makes the check-and-set atomic in the database, so it
        holds across processes and replicas sharing it.
        """
        return await anyio.to_thread.run_sync(self._claim, jti, issuer, expires_at)

    async def claim(self, jti: str, issuer: str, expires_at: datetime) -> bool:
        """``ReplayCache`` protocol method (same as :meth:`claim_jti`)."""
        return await self.claim_jti(jti, issuer, expires_at)

    def _claim(self, jti: str, issuer: str, expires_at: datetime) -> bool:
        key = hashlib.sha256(f"{issuer}\n{jti}".encode()).hexdigest()
        now = datetime.now(UTC)
        values = {"jti_hash": key, "issuer": issuer[:255], "expires_at": expires_at.astimezone(UTC)}
        with self._engine.begin() as conn:
            # An expired entry must not block a legitimately re-issued jti.
            conn.execute(delete(_SEEN).where(_SEEN.c.jti_hash == key, _SEEN.c.expires_at < now))
            claimed = self._insert_if_absent(conn, values)
        if time.monotonic() - self._last_purge > _PURGE_INTERVAL_S:
            self._last_purge = time.monotonic()
            self.purge_expired_jti()
        return claimed

    def _insert_if_absent(self, conn: Connection, values: dict[str, Any]) -> bool:
        if self.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            stmt: Any = pg_insert(_SEEN).values(**values).on_conflict_do_nothing()
        elif self.dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            stmt = sqlite_insert(_SEEN).values(**values).on_conflict_do_nothing()
        else:
            try:
                with conn.begin_nested():
                    conn.execute(insert(_SEEN).values(**values))
            except IntegrityError:
                return False
            return True
        # RETURNING rather than rowcount: psycopg 3 reports -1 for ON CONFLICT statements.
        return conn.execute(stmt.returning(_SEEN.c.jti_hash)).first() is not None

    def purge_expired_jti(self) -> int:
        """Delete ``jti`` entries whose token has expired; returns how many."""
        with self._engine.begin() as conn:
            result = conn.execute(delete(_SEEN).where(_SEEN.c.expires_at < datetime.now(UTC)))
        return int(result.rowcount)

    # --- verification and export ----------------------------------------------------------

    def _read_snapshot(self) -> Connection:
        conn = self._engine.connect()
        if self.dialect == "postgresql":
            return conn.execution_options(isolation_level="REPEATABLE READ")
        return conn.execution_options(cds_readonly=True)

    def _iter_rows(self, conn: Connection) -> Iterator[Mapping[str, Any]]:
        result = conn.execution_options(stream_results=True, yield_per=1000).execute(
            select(_RECORDS).order_by(_RECORDS.c.id)
        )
        for row in result:
            yield dict(zip(row._fields, row, strict=True))

    def verify_chain(self) -> ChainReport:
        """Recompute the chain; report the first row that was edited, deleted or inserted."""
        with self._read_snapshot() as conn, conn.begin():
            head = conn.execute(
                select(_HEAD.c.last_id, _HEAD.c.last_hash).where(_HEAD.c.id == 1)
            ).first()
            if head is None:
                return ChainReport(ok=False, count=0, reason="chain head row is missing")
            prev_id, prev_hash, count = 0, GENESIS_HASH, 0
            for row in self._iter_rows(conn):
                row_id = int(row["id"])
                if row_id > head.last_id:
                    return ChainReport(
                        ok=False, count=count, first_broken_id=row_id, reason="row after chain head"
                    )
                if row_id != prev_id + 1:
                    return ChainReport(
                        ok=False,
                        count=count,
                        first_broken_id=row_id,
                        reason=f"rows {prev_id + 1}..{row_id - 1} are missing",
                    )
                if row["prev_hash"] != prev_hash:
                    return ChainReport(
                        ok=False,
                        count=count,
                        first_broken_id=row_id,
                        reason="prev_hash does not match the previous row",
                    )
                if not hmac.compare_digest(self._row_hash(row), str(row["row_hash"])):
                    return ChainReport(
                        ok=False,
                        count=count,
                        first_broken_id=row_id,
                        reason="row_hash does not match the row's content",
                    )
                prev_id, prev_hash, count = row_id, str(row["row_hash"]), count + 1
            if prev_id != head.last_id or prev_hash != head.last_hash:
                return ChainReport(
                    ok=False,
                    count=count,
                    first_broken_id=prev_id + 1,
                    reason=f"chain head names row {head.last_id}; rows after {prev_id} missing",
                )
        return ChainReport(ok=True, count=count)

    def export_audit_events(self, out: TextIO) -> int:
        """Write every audit row as a FHIR R4 ``AuditEvent`` (NDJSON); returns the count."""
        from service.audit.export import audit_event

        count = 0
        with self._read_snapshot() as conn, conn.begin():
            for row in self._iter_rows(conn):
                out.write(json.dumps(audit_event(row), separators=(",", ":")))
                out.write("\n")
                count += 1
        return count

    def count_records(self) -> int:
        with self._read_snapshot() as conn, conn.begin():
            return int(conn.execute(select(_HEAD.c.last_id).where(_HEAD.c.id == 1)).scalar_one())

    # --- health and shutdown --------------------------------------------------------------

    async def ping(self) -> bool:
        """Whether the database answers (for ``/readyz``); never raises."""

        def _ping() -> bool:
            try:
                with self._engine.connect() as conn:
                    conn.execute(text("SELECT 1"))
            except SQLAlchemyError:
                logger.warning("audit database ping failed", exc_info=False)
                return False
            return True

        return await anyio.to_thread.run_sync(_ping)

    def close(self) -> None:
        """Flush queued rows, stop the writer thread and dispose of the engine."""
        with self._writer_lock:
            writer, self._writer = self._writer, None
        if writer is not None:
            writer.close()
        self._engine.dispose()

    async def aclose(self) -> None:
        await anyio.to_thread.run_sync(self.close)
