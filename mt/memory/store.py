"""The translation memory on SQLite (the standard library's sqlite3): one file, WAL mode, short transactions.

Schema (version 3, in ``PRAGMA user_version`` and the ``meta`` table; ``PRAGMA application_id`` marks the file):

* ``entries``: one row per translation, unique on (source language, target language, normalised source, origin,
  model id, model revision, glossary fingerprint, decoding fingerprint); a human entry has empty model fields, so
  there is one human translation per source and target language (a later import replaces its target). Version 2
  added ``complete`` (1 when the decoder ended the sentence, 0 when it stopped at the length limit, NULL: not
  recorded), so that a reused MT entry reports what a fresh decode would; older files are upgraded on opening.
* ``jobs`` and ``job_entries`` (version 3): resumable jobs that use the memory as their checkpoint, and the
  entries each one stored, by block, with the caller's note (what the run reported beyond the entry: terms,
  pivot English), until it finishes (:meth:`TranslationMemory.start_job`). A resumed run reports its own
  finished blocks as it did the first time ("mt"), not as reuse, so its output is byte-identical to an
  uninterrupted run's; a finished job's rows are removed.
* ``entries_fts``: an FTS5 index with the trigram tokenizer over the normalised sources (kept in step by
  triggers), which prefilters fuzzy look-ups; ``entries_fts_vocab`` gives each trigram's document count, so a
  look-up asks for the query's rarest trigrams only.

Concurrency: every connection waits up to ``busy_timeout`` seconds for a lock; writes happen in short
``BEGIN IMMEDIATE`` transactions (one per store call, or per batch of an import), so two processes writing one
memory both finish and lose nothing, and a reader sees whole transactions only (WAL snapshots).
"""

from __future__ import annotations

import sqlite3
import time
import urllib.parse
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from rapidfuzz import fuzz, process

from mt.memory.model import (
    ORIGINS,
    SOURCE_LANGS,
    TARGET_LANGS,
    Entry,
    FuzzyMatch,
    Job,
    MtKey,
    Segment,
    Stats,
    TranslationMemoryError,
    WriteCounts,
    normalise_source,
)

SCHEMA_VERSION = 4  # 2: entries.complete; 3: jobs, job_entries; 4: an MT entry per exact source (see _KEY)
APPLICATION_ID = 0x54524A4D  # "TRJM"
SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_S = 60.0
IMPORT_BATCH = 2000  # segments per write transaction during an import
_IN_CHUNK = 500  # values per IN (...) list
RARE_TRIGRAMS = 12  # a fuzzy look-up queries the index with this many of the query's rarest trigrams
CANDIDATES = 200  # ... and scores this many best-ranked (bm25) candidates with rapidfuzz

_COLUMNS = (
    "id, source, source_norm, target, source_lang, target_lang, origin, model_id, model_revision, "
    "glossary_fp, decoding_fp, score, created, updated, complete"
)
# One human entry per normalised source (a translator's answer holds for every spelling of a sentence), one MT
# entry per exact source (a decode answers only the spelling it was made from: two spellings that normalise the
# same each keep theirs instead of displacing each other on every run). The index's first three columns serve
# the look-ups by normalised source.
_KEY = (
    "source_lang, target_lang, source_norm, origin, model_id, model_revision, glossary_fp, decoding_fp, "
    "(CASE WHEN origin = 'mt' THEN source ELSE '' END)"
)
_KEY_INDEX = f"CREATE UNIQUE INDEX entries_key ON entries ({_KEY});"

_SCHEMA = f"""
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE entries (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    source_norm TEXT NOT NULL,
    target TEXT NOT NULL,
    source_lang TEXT NOT NULL,
    target_lang TEXT NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('human', 'mt')),
    model_id TEXT NOT NULL DEFAULT '',
    model_revision TEXT NOT NULL DEFAULT '',
    glossary_fp TEXT NOT NULL DEFAULT '',
    decoding_fp TEXT NOT NULL DEFAULT '',
    score REAL,
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    complete INTEGER
);
{_KEY_INDEX}
CREATE INDEX entries_origin_model ON entries (origin, model_id);
CREATE TABLE jobs (id INTEGER PRIMARY KEY, fingerprint TEXT NOT NULL UNIQUE, started TEXT NOT NULL);
CREATE TABLE job_entries (job INTEGER NOT NULL, block INTEGER NOT NULL, entry INTEGER NOT NULL, note TEXT,
                          PRIMARY KEY (job, block, entry)) WITHOUT ROWID;
CREATE TABLE trigram_df (gram TEXT PRIMARY KEY, df INTEGER NOT NULL) WITHOUT ROWID;
CREATE VIRTUAL TABLE entries_fts USING fts5(source_norm, content='entries', content_rowid='id',
                                            tokenize='trigram');
CREATE VIRTUAL TABLE entries_fts_vocab USING fts5vocab(entries_fts, 'row');
CREATE TRIGGER entries_ai AFTER INSERT ON entries BEGIN
    INSERT INTO entries_fts (rowid, source_norm) VALUES (new.id, new.source_norm);
END;
CREATE TRIGGER entries_ad AFTER DELETE ON entries BEGIN
    INSERT INTO entries_fts (entries_fts, rowid, source_norm) VALUES ('delete', old.id, old.source_norm);
END;
CREATE TRIGGER entries_au AFTER UPDATE OF source_norm ON entries BEGIN
    INSERT INTO entries_fts (entries_fts, rowid, source_norm) VALUES ('delete', old.id, old.source_norm);
    INSERT INTO entries_fts (rowid, source_norm) VALUES (new.id, new.source_norm);
END;
"""


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _statements(script: str) -> Iterator[str]:
    """The SQL statements of a script, one by one (executescript would commit the open transaction)."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            yield buffer.strip()
            buffer = ""


def _entry(row: tuple) -> Entry:
    *columns, complete = row  # Entry's fields in order, complete last (stored as 0, 1 or NULL)
    return Entry(*(*columns, None if complete is None else bool(complete)))


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())


def _read_only_uri(path: Path) -> str:
    """SQLite's URI for opening ``path`` read-only (mode=ro: every write fails, the file is never changed)."""
    return f"file:{urllib.parse.quote(str(path.resolve()))}?mode=ro"


def _sidecars(path: Path) -> tuple[Path, Path]:
    """SQLite's write-ahead log and shared-memory files beside a memory in WAL mode."""
    return Path(f"{path}-wal"), Path(f"{path}-shm")


def _quick_check(path: Path, busy_timeout: float) -> None:
    """SQLite's quick_check of an existing file, on a read-only connection, before any connection that could
    write opens it: a damaged memory is refused untouched."""
    try:
        connection = sqlite3.connect(_read_only_uri(path), uri=True, timeout=busy_timeout, isolation_level=None)
        try:
            connection.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            problems = [row[0] for row in connection.execute("PRAGMA quick_check") if row[0] != "ok"]
        finally:
            connection.close()
    except sqlite3.OperationalError as error:
        if "locked" in str(error) or "busy" in str(error):
            raise TranslationMemoryError(f"{path}: locked by another process for too long; try again") from error
        raise TranslationMemoryError(f"{path}: cannot check this translation memory ({_one_line(error)})") from error
    except sqlite3.DatabaseError as error:
        problems = [_one_line(error)]
    if problems:
        raise TranslationMemoryError(
            f"{path}: a damaged translation memory ({problems[0]}, found by SQLite's "
            "quick_check); it was left as it is: restore it from a backup or rebuild it "
            "with `mt tm import`"
        )


def sqlite_features() -> str:
    """The SQLite library version and whether FTS5 with the trigram tokenizer works in it."""
    connection = sqlite3.connect(":memory:")
    try:
        connection.execute("CREATE VIRTUAL TABLE probe USING fts5(x, tokenize='trigram')")
        trigram = "FTS5 trigram: yes"
    except sqlite3.Error:
        trigram = "FTS5 trigram: no"
    finally:
        connection.close()
    return f"SQLite {sqlite3.sqlite_version}, {trigram}"


class TranslationMemory:
    """A translation memory file. Open with :meth:`open` (a context manager closes it)."""

    def __init__(self, connection: sqlite3.Connection, path: Path, read_only: bool = False) -> None:
        self._db = connection
        self.path = path
        self.read_only = read_only
        self._df: dict[str, int] | None = None  # trigram -> number of entries (a snapshot; see _trigram_df)
        self._df_max_id = 0
        self._busy_timeout = BUSY_TIMEOUT_S
        self._sidecars_absent = False  # read-only: no -wal/-shm beside the file when it was opened
        self.upgraded_from: int | None = None  # the schema version this opening upgraded the file from

    # -- opening -------------------------------------------------------------------------------------------------

    @classmethod
    def open(
        cls, path: str | Path, *, create: bool = True, read_only: bool = False, busy_timeout: float = BUSY_TIMEOUT_S
    ) -> "TranslationMemory":
        """Open the memory at ``path``, creating it (and its schema) when missing and ``create`` is true.

        A file that is not a Tarjama memory (another SQLite database, any other file, a corrupt one: SQLite's
        quick_check runs first, on a read-only connection) is refused with a :class:`TranslationMemoryError`
        before anything is written to it. An empty file becomes a memory. ``read_only`` opens an existing memory
        for look-ups only (SQLite's ``mode=ro``): nothing in the file changes, whatever is asked.
        """
        path = Path(path)
        create = create and not read_only
        if path.is_dir():
            raise TranslationMemoryError(f"{path}: is a directory, not a translation memory file")
        exists = path.exists()
        if not exists and not create:
            raise TranslationMemoryError(f"{path}: no such translation memory")
        if not exists and not path.parent.resolve().is_dir():
            raise TranslationMemoryError(f"{path.parent}: no such directory for the translation memory")
        if exists:
            try:
                with path.open("rb") as handle:
                    header = handle.read(len(SQLITE_HEADER))
            except OSError as error:
                raise TranslationMemoryError(f"{path}: cannot read: {error.strerror}") from error
            if header and header != SQLITE_HEADER:
                raise TranslationMemoryError(f"{path}: not a Tarjama translation memory (not an SQLite database)")
            if not header and not create:
                raise TranslationMemoryError(f"{path}: an empty file, not a translation memory (import into it first)")
        if sqlite3.sqlite_version_info < (3, 34, 0):
            raise TranslationMemoryError(
                f"SQLite {sqlite3.sqlite_version} is too old for a translation memory: "
                "it needs FTS5 with the trigram tokenizer (SQLite 3.34 or later)"
            )
        sidecars_absent = not any(side.exists() for side in _sidecars(path))
        if exists and header:
            _quick_check(path, busy_timeout)
        try:
            connection = sqlite3.connect(
                _read_only_uri(path) if read_only else path, timeout=busy_timeout, isolation_level=None, uri=read_only
            )
        except sqlite3.Error as error:
            raise TranslationMemoryError(f"{path}: cannot open: {_one_line(error)}") from error
        memory = cls(connection, path, read_only)
        memory._sidecars_absent = read_only and sidecars_absent
        try:
            memory._prepare(busy_timeout)
        except BaseException:
            connection.close()
            if not exists:  # leave no half-made file behind
                for leftover in (path, Path(f"{path}-wal"), Path(f"{path}-shm"), Path(f"{path}-journal")):
                    leftover.unlink(missing_ok=True)
            raise
        return memory

    def _prepare(self, busy_timeout: float) -> None:
        db = self._db
        self._busy_timeout = busy_timeout
        try:
            db.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            if self.read_only:
                self._check_schema()
                return
            if not self._is_initialised():
                self._create_schema()
            self._check_schema()
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")  # in WAL: durable against a killed process, fast commits
        except sqlite3.OperationalError as error:  # locked, read-only, unwritable folder, disk full
            raise TranslationMemoryError(
                f"{self.path}: cannot use this translation memory: {_one_line(error)}"
            ) from error
        except sqlite3.DatabaseError as error:  # not a database, malformed schema or pages
            raise TranslationMemoryError(
                f"{self.path}: not a Tarjama translation memory, or a damaged one ({_one_line(error)})"
            ) from error

    def _is_initialised(self) -> bool:
        return self._db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0

    def _create_schema(self) -> None:
        with self._write():
            if self._is_initialised():  # another process created it while we waited for the lock
                return
            for statement in _statements(_SCHEMA):
                self._db.execute(statement)
            self._db.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?)",
                [
                    ("application", "tarjama-translation-memory"),
                    ("schema_version", str(SCHEMA_VERSION)),
                    ("created", _now()),
                ],
            )
            self._db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _check_schema(self) -> None:
        db = self._db
        app_id = db.execute("PRAGMA application_id").fetchone()[0]
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if app_id != APPLICATION_ID:
            raise TranslationMemoryError(f"{self.path}: an SQLite database, but not a Tarjama translation memory")
        if version > SCHEMA_VERSION:
            raise TranslationMemoryError(
                f"{self.path}: translation memory schema version {version} is newer than "
                f"this Tarjama's ({SCHEMA_VERSION}); upgrade Tarjama"
            )
        if version < SCHEMA_VERSION and self.read_only:
            raise TranslationMemoryError(
                f"{self.path}: translation memory schema version {version} needs an "
                "upgrade, which a read-only look-up does not do: `mt tm upgrade --tm "
                f"{self.path}` upgrades it in place (as does any command that writes to it)"
            )
        if version < SCHEMA_VERSION:
            with self._write():
                version = db.execute("PRAGMA user_version").fetchone()[0]  # another process may have upgraded it
                self._upgrade(version)
            self.upgraded_from = version if version < SCHEMA_VERSION else None
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'index')")}
        missing = {"meta", "entries", "entries_fts", "entries_fts_vocab", "entries_key", "jobs", "job_entries"} - tables
        if missing:
            raise TranslationMemoryError(
                f"{self.path}: damaged translation memory (missing {', '.join(sorted(missing))})"
            )
        # reading the first and last entries touches the table's and the index's pages: cheap damage detection
        db.execute(f"SELECT {_COLUMNS} FROM entries ORDER BY id LIMIT 1").fetchall()
        db.execute(f"SELECT {_COLUMNS} FROM entries ORDER BY id DESC LIMIT 1").fetchall()

    def _upgrade(self, version: int) -> None:
        """Bring a memory of an older schema ``version`` to this one, inside the caller's write transaction (every
        step keeps the entries: each schema's rows satisfy the next one's constraints)."""
        db = self._db
        if version == SCHEMA_VERSION:
            return
        if version == 1:  # version 2 added entries.complete (NULL: not recorded)
            db.execute("ALTER TABLE entries ADD COLUMN complete INTEGER")
        if version in (1, 2):  # version 3 added the jobs
            for statement in _statements(_SCHEMA):
                if statement.startswith(("CREATE TABLE jobs ", "CREATE TABLE job_entries ")):
                    db.execute(statement.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS", 1))
        # version 4 keys MT entries by their exact source (one per normalised source before: a subset)
        db.execute("DROP INDEX IF EXISTS entries_key")
        db.execute(_KEY_INDEX)
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def check(self) -> list[str]:
        """SQLite's integrity check of the whole file and the FTS index: [] when sound, else the problems."""
        with self._guard():
            problems = [row[0] for row in self._db.execute("PRAGMA integrity_check") if row[0] != "ok"]
            try:
                self._db.execute("INSERT INTO entries_fts (entries_fts, rank) VALUES ('integrity-check', 1)")
            except sqlite3.DatabaseError as error:
                problems.append(f"full-text index: {_one_line(error)}")
            return problems

    def close(self) -> None:
        """Close the connection. A read-only one on a WAL file makes an empty -wal and an -shm that SQLite removes
        only when a connection that may write closes last: where none were there before, a plain connection
        reads and closes to remove them, under SQLite's own locking (the log is empty: nothing is written to
        the memory; files another connection still uses stay)."""
        self._db.close()
        if self._sidecars_absent and any(side.exists() for side in _sidecars(self.path)):
            with suppress(sqlite3.Error, OSError):
                plain = sqlite3.connect(self.path, timeout=0, isolation_level=None)
                try:
                    plain.execute("SELECT count(*) FROM sqlite_master").fetchone()  # a read: it joins the log
                finally:
                    plain.close()

    def __enter__(self) -> "TranslationMemory":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions --------------------------------------------------------------------------------------------

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """Turn SQLite errors into one-line TranslationMemoryErrors that name the file."""
        try:
            yield
        except sqlite3.OperationalError as error:
            message = _one_line(error)
            if "locked" in message or "busy" in message:
                message = "locked by another process for too long; try again"
            raise TranslationMemoryError(f"{self.path}: {message}") from error
        except sqlite3.DatabaseError as error:
            raise TranslationMemoryError(f"{self.path}: damaged translation memory ({_one_line(error)})") from error

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction (BEGIN IMMEDIATE: the write lock is taken at once, waiting up to the busy
        timeout), committed on success and rolled back on any error."""
        with self._guard():
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: every query inside sees the same snapshot."""
        with self._guard():
            self._db.execute("BEGIN")
            try:
                yield self._db
            finally:
                self._db.execute("COMMIT")

    # -- writing -------------------------------------------------------------------------------------------------

    def _put(
        self, segments: Sequence[Segment], origin: str, key: MtKey, ids: list[int | None] | None = None
    ) -> WriteCounts:
        """Insert or update one entry per segment (``ids``, when given, receives each segment's entry id, None
        for a skipped one)."""
        counts = {"added": 0, "updated": 0, "unchanged": 0, "skipped": 0}
        now = _now()
        for seg in segments:
            _check_langs(seg.source_lang, seg.target_lang)
            norm = normalise_source(seg.source, seg.source_lang)
            if not norm or not seg.target.strip():
                outcome, entry_id = "skipped", None
            else:
                outcome, entry_id = self._put_one(seg, norm, origin, key, now)
            counts[outcome] += 1
            if ids is not None:
                ids.append(entry_id)
        return WriteCounts(counts["added"], counts["updated"], counts["unchanged"], counts["skipped"])

    def _put_one(self, seg: Segment, norm: str, origin: str, key: MtKey, now: str) -> tuple[str, int | None]:
        """Insert ``seg`` or update its entry: ("added" | "updated" | "unchanged", the entry id)."""
        db = self._db
        row = db.execute(
            "SELECT id, target, score, source, complete FROM entries WHERE source_lang = ? AND target_lang = ? AND "
            "source_norm = ? AND origin = ? AND model_id = ? AND model_revision = ? AND glossary_fp = ? AND "
            "decoding_fp = ? AND (origin = 'human' OR source = ?)",
            (
                seg.source_lang,
                seg.target_lang,
                norm,
                origin,
                key.model_id,
                key.model_revision,
                key.glossary,
                key.decoding,
                seg.source,
            ),
        ).fetchone()
        complete = None if seg.complete is None else int(seg.complete)
        if row is None:
            cursor = db.execute(
                "INSERT INTO entries (source, source_norm, target, source_lang, target_lang, origin, model_id, "
                "model_revision, glossary_fp, decoding_fp, score, created, updated, complete) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    seg.source,
                    norm,
                    seg.target,
                    seg.source_lang,
                    seg.target_lang,
                    origin,
                    key.model_id,
                    key.model_revision,
                    key.glossary,
                    key.decoding,
                    seg.score,
                    now,
                    now,
                    complete,
                ),
            )
            return "added", cursor.lastrowid
        if (row[1], row[2], row[3], row[4]) == (seg.target, seg.score, seg.source, complete):
            return "unchanged", row[0]
        db.execute(
            "UPDATE entries SET target = ?, score = ?, source = ?, complete = ?, updated = ? WHERE id = ?",
            (seg.target, seg.score, seg.source, complete, now, row[0]),
        )
        return "updated", row[0]

    def store_mt(
        self,
        segments: Iterable[Segment],
        key: MtKey,
        job: Job | None = None,
        block: int = 0,
        notes: Sequence[str | None] | None = None,
    ) -> WriteCounts:
        """Store MT results made with ``key``, all in one short transaction (a batch of a run); a segment with an
        empty source or target is skipped (counted), a bad language rolls the whole call back. With a ``job``,
        the stored entries are recorded as that job's ``block``, each with its note (``notes``: one per segment,
        see :meth:`job_entries`), in the same transaction."""
        if not key.model_id:
            raise TranslationMemoryError("an MT entry needs a model id")
        segments = list(segments)
        notes = list(notes) if notes is not None else [None] * len(segments)
        if len(notes) != len(segments):
            raise ValueError("store_mt needs one note per segment")
        ids: list[int | None] = []  # each segment's entry, recorded for a job
        with self._write() as db:
            counts = self._put(segments, "mt", key, ids if job is not None else None)
            if job is not None:
                db.executemany(
                    "INSERT OR IGNORE INTO job_entries (job, block, entry, note) VALUES (?, ?, ?, ?)",
                    [(job.id, block, entry, note) for entry, note in zip(ids, notes) if entry is not None],
                )
            return counts

    # -- jobs ----------------------------------------------------------------------------------------------------

    def start_job(self, fingerprint: str) -> Job:
        """Start the job with this fingerprint (what it translates, into what, with which key), or resume it
        when an earlier run of it started and did not finish (a killed run)."""
        with self._write() as db:
            row = db.execute("SELECT id FROM jobs WHERE fingerprint = ?", (fingerprint,)).fetchone()
            if row is not None:
                blocks = db.execute(
                    "SELECT count(DISTINCT block) FROM job_entries WHERE job = ?", (row[0],)
                ).fetchone()[0]
                return Job(row[0], fingerprint, blocks)
            cursor = db.execute("INSERT INTO jobs (fingerprint, started) VALUES (?, ?)", (fingerprint, _now()))
            if cursor.lastrowid is None:
                raise TranslationMemoryError("the new job got no id")
            return Job(cursor.lastrowid, fingerprint, 0)

    def job_entries(self, job: Job, block: int) -> dict[int, str | None]:
        """The entries ``job`` stored as its ``block`` (in an earlier, interrupted run of it): id -> note (the
        first one stored for the entry in that block)."""
        with self._read() as db:
            return dict(db.execute("SELECT entry, note FROM job_entries WHERE job = ? AND block = ?", (job.id, block)))

    def finish_job(self, job: Job) -> None:
        """Forget a finished job: its entries stay, and a later run reuses them as any other ("tm-mt")."""
        with self._write() as db:
            db.execute("DELETE FROM job_entries WHERE job = ?", (job.id,))
            db.execute("DELETE FROM jobs WHERE id = ?", (job.id,))

    def add_human(self, segments: Iterable[Segment], batch: int = IMPORT_BATCH) -> WriteCounts:
        """Store human translations (an import), in transactions of ``batch`` segments; a later human
        translation of the same source and target language replaces the earlier one."""
        total = WriteCounts()
        segments = list(segments)
        for part in _chunks(segments, batch):
            with self._write():
                total += self._put(part, "human", MtKey(""))
        return total

    def prune(self, origin: str, model_id: str | None = None) -> int:
        """Delete the entries of one origin (and, given, one model id); return how many."""
        if origin not in ORIGINS:
            raise TranslationMemoryError(f"origin must be human or mt, not {origin!r}")
        sql, params = "DELETE FROM entries WHERE origin = ?", [origin]
        if model_id is not None:
            sql, params = sql + " AND model_id = ?", params + [model_id]
        with self._write() as db:
            removed = db.execute(sql, params).rowcount
            db.execute("DELETE FROM job_entries WHERE entry NOT IN (SELECT id FROM entries)")
            return removed

    # -- reading -------------------------------------------------------------------------------------------------

    def lookup(
        self, sources: Sequence[str], target_lang: str, key: MtKey | None, source_lang: str = "ar"
    ) -> list[Entry | None]:
        """Exact look-up of many sources at once: for each, its human entry in ``target_lang`` if there is one
        (whatever the model and spelling), else the MT entry made with ``key`` from this exact source, else one
        made from another spelling of it (the same once normalised; the caller decides whether it answers), else
        None (MT entries only when ``key`` is given)."""
        _check_langs(source_lang, target_lang)
        norms = [normalise_source(s, source_lang) for s in sources]
        human: dict[str, Entry] = {}  # normalised source -> the human entry
        made: dict[str, Entry] = {}  # exact source -> the MT entry made from it
        other: dict[str, Entry] = {}  # normalised source -> the first-stored MT entry of any spelling of it
        where_key = (
            "origin = 'human'"
            if key is None
            else "(origin = 'human' OR (origin = 'mt' AND model_id = ? AND model_revision = ? AND "
            "glossary_fp = ? AND decoding_fp = ?))"
        )
        key_params = [] if key is None else [key.model_id, key.model_revision, key.glossary, key.decoding]
        with self._read() as db:
            for chunk in _chunks(list(dict.fromkeys(n for n in norms if n)), _IN_CHUNK):
                marks = ", ".join("?" * len(chunk))
                rows = db.execute(
                    f"SELECT {_COLUMNS} FROM entries WHERE source_lang = ? AND target_lang = ? "
                    f"AND source_norm IN ({marks}) AND {where_key}",
                    [source_lang, target_lang, *chunk, *key_params],
                )
                for row in rows:
                    entry = _entry(row)
                    if entry.origin == "human":
                        human[entry.source_norm] = entry
                        continue
                    made[entry.source] = entry
                    if entry.source_norm not in other or entry.id < other[entry.source_norm].id:
                        other[entry.source_norm] = entry
        return [human.get(n) or made.get(s) or other.get(n) for s, n in zip(sources, norms)]

    def fuzzy(
        self,
        text: str,
        target_lang: str | None = None,
        *,
        min_similarity: float = 75.0,
        limit: int = 5,
        source_lang: str = "ar",
        candidates: int = CANDIDATES,
    ) -> list[FuzzyMatch]:
        """The entries whose normalised source is closest to ``text`` (rapidfuzz ratio, 0-100, at least
        ``min_similarity``), best first; on equal similarity human before MT, then the newest first.

        The FTS5 trigram index proposes ``candidates`` sources sharing the most of the query's rarest trigrams
        (bm25 order); only those are scored, so a look-up costs about the same on a large memory as on a small one.
        """
        if target_lang is not None:
            _check_langs(source_lang, target_lang)
        query = normalise_source(text, source_lang)
        if not query:
            return []
        with self._read() as db:
            ids = self._candidate_ids(db, query, candidates)
            rows: list[tuple] = []
            lang_sql, lang_params = ("", []) if target_lang is None else (" AND target_lang = ?", [target_lang])
            for chunk in _chunks(ids, _IN_CHUNK):
                marks = ", ".join("?" * len(chunk))
                # languages filtered here, not in SQL, where the planner would prefer entries_key to the rowids
                rows += [
                    row
                    for row in db.execute(f"SELECT {_COLUMNS} FROM entries WHERE id IN ({marks})", chunk)
                    if row[4] == source_lang and (target_lang is None or row[5] == target_lang)
                ]
            exact = db.execute(
                f"SELECT {_COLUMNS} FROM entries WHERE source_lang = ? AND source_norm = ?{lang_sql}",
                [source_lang, query, *lang_params],
            ).fetchall()
        self._save_trigram_df()
        by_source: dict[str, list[Entry]] = {}
        seen: set[int] = set()
        for row in exact + rows:
            if row[0] not in seen:
                seen.add(row[0])
                by_source.setdefault(row[2], []).append(_entry(row))
        scored = process.extract(query, list(by_source), scorer=fuzz.ratio, score_cutoff=min_similarity, limit=None)
        matches = [FuzzyMatch(round(score, 1), entry) for norm, score, _ in scored for entry in by_source[norm]]
        matches.sort(key=lambda m: (-m.similarity, m.entry.origin != "human", _desc(m.entry.updated), m.entry.id))
        return matches[:limit]

    def _trigram_df(self) -> dict[str, int]:
        """How many entries hold each trigram: the snapshot in ``trigram_df``, recomputed from the FTS index
        (about 0.4 s for 100,000 entries) when missing or when the memory has grown by a quarter since.

        FTS5 computes a trigram's document count by reading its whole posting list, too slow per query; a stale
        count only changes which of a query's trigrams count as rare, never which entries match.
        """
        max_id = self._db.execute("SELECT coalesce(max(id), 0) FROM entries").fetchone()[0]
        if self._df is not None and max_id <= self._df_max_id * 1.25 + 100:
            return self._df
        row = self._db.execute("SELECT value FROM meta WHERE key = 'trigram_df_max_id'").fetchone()
        stored = int(row[0]) if row else -1
        if stored >= 0 and max_id <= stored * 1.25 + 100:
            self._df = dict(self._db.execute("SELECT gram, df FROM trigram_df"))
            self._df_max_id = stored
            return self._df
        self._df = dict(self._db.execute("SELECT term, doc FROM entries_fts_vocab"))
        self._df_max_id = max_id
        return self._df

    def _save_trigram_df(self) -> None:
        """Store the document counts computed by :meth:`_trigram_df` so that the next process reuses them."""
        if self._df is None or self.read_only:
            return
        row = self._db.execute("SELECT value FROM meta WHERE key = 'trigram_df_max_id'").fetchone()
        if row and int(row[0]) == self._df_max_id:
            return
        self._db.execute("PRAGMA busy_timeout = 0")  # a look-up never waits for a writer to save these
        try:
            with self._write() as db:
                db.execute("DELETE FROM trigram_df")
                db.executemany("INSERT INTO trigram_df (gram, df) VALUES (?, ?)", self._df.items())
                db.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('trigram_df_max_id', ?)", (str(self._df_max_id),)
                )
        except TranslationMemoryError:
            pass  # a read-only or busy file: the counts are recomputed next time
        finally:
            self._db.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout * 1000)}")

    def _candidate_ids(self, db: sqlite3.Connection, query: str, candidates: int) -> list[int]:
        grams = list(dict.fromkeys(query[i : i + 3].lower() for i in range(len(query) - 2)))
        if not grams:
            return []
        df = self._trigram_df()
        # trigrams unknown to the snapshot come first: absent (they cost nothing) or new since (so rare)
        rare = sorted(grams, key=lambda g: df.get(g, 0))[:RARE_TRIGRAMS]
        expression = " OR ".join('"' + g.replace('"', '""') + '"' for g in rare)
        return [
            row[0]
            for row in db.execute(
                "SELECT rowid FROM entries_fts WHERE entries_fts MATCH ? ORDER BY rank LIMIT ?",
                (expression, candidates),
            )
        ]

    def entries(
        self, origin: str | None = None, target_lang: str | None = None, model_id: str | None = None
    ) -> Iterator[Entry]:
        """Every entry (optionally of one origin, target language, model id), in the order they were added,
        read from one snapshot."""
        conditions, params = [], []
        for column, value in (("origin", origin), ("target_lang", target_lang), ("model_id", model_id)):
            if value is not None:
                conditions.append(f"{column} = ?")
                params.append(value)
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        with self._read() as db:
            for row in db.execute(f"SELECT {_COLUMNS} FROM entries{where} ORDER BY id", params):
                yield _entry(row)

    def target_languages(self, origin: str | None = None) -> list[str]:
        """The target languages that entries (of one origin, when given) have, sorted."""
        sql, params = "SELECT DISTINCT target_lang FROM entries", []
        if origin is not None:
            sql, params = sql + " WHERE origin = ?", [origin]
        with self._read() as db:
            return sorted(row[0] for row in db.execute(sql, params))

    def stats(self) -> Stats:
        """Counts by origin, target language and model, the date range and the file size."""
        with self._read() as db:
            total = db.execute("SELECT count(*) FROM entries").fetchone()[0]
            by_origin = dict(db.execute("SELECT origin, count(*) FROM entries GROUP BY origin ORDER BY origin"))
            by_lang = dict(
                db.execute("SELECT target_lang, count(*) FROM entries GROUP BY target_lang ORDER BY target_lang")
            )
            by_model = {
                (m + "@" + r if r else m): n
                for m, r, n in db.execute(
                    "SELECT model_id, model_revision, count(*) FROM entries WHERE origin = 'mt' "
                    "GROUP BY model_id, model_revision ORDER BY model_id, model_revision"
                )
            }
            distinct = db.execute(
                "SELECT count(*) FROM (SELECT DISTINCT source_lang, source_norm FROM entries)"
            ).fetchone()[0]
            oldest, newest = db.execute("SELECT min(created), max(updated) FROM entries").fetchone()
            version = db.execute("PRAGMA user_version").fetchone()[0]
            jobs = db.execute("SELECT count(*) FROM jobs").fetchone()[0]
        size = sum(p.stat().st_size for p in (self.path, Path(f"{self.path}-wal")) if p.exists())
        return Stats(
            total,
            by_origin,
            by_lang,
            by_model,
            distinct,
            oldest,
            newest,
            version,
            size,
            {"sqlite": sqlite_features()},
            jobs,
        )


def _desc(stamp: str) -> tuple[int, ...]:
    """A sort key that orders ISO timestamps newest first."""
    return tuple(-ord(c) for c in stamp)


def _check_langs(source_lang: str, target_lang: str) -> None:
    if source_lang not in SOURCE_LANGS:
        raise TranslationMemoryError(f"source language must be one of {', '.join(SOURCE_LANGS)}, not {source_lang!r}")
    if target_lang not in TARGET_LANGS:
        raise TranslationMemoryError(f"target language must be one of {', '.join(TARGET_LANGS)}, not {target_lang!r}")
    if source_lang == target_lang:
        raise TranslationMemoryError(f"source and target language are both {source_lang!r}")


__all__ = ["TranslationMemory", "SCHEMA_VERSION", "sqlite_features"]
