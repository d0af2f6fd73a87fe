"""Backup and restore of the database and the document store.

A backup is a folder:

    manifest.json     what the backup holds, with checksums; written last, so a folder without it is no backup
    database.sqlite   SQLite: a consistent copy made with SQLite's online backup API
    database.dump     PostgreSQL: `pg_dump --format=custom`, taken in the same snapshot the manifest was read in
    documents.tar     the document store

The manifest lists every file the database points into the document store (a `...storage_key` column
with its `...sha256` sibling: the generated documents, their PDF renditions, signed scans) with its
checksum. The database is copied before the store is archived: stored files are never changed or
removed, and a file is written before the row that points to it, so every file the copy needs is in
the archive. A restore checks the backup's own checksums, restores the database and the files, then
verifies every file the restored database points to.
"""

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Connection, make_url

from documents.store import DocumentIntegrityError, DocumentNotFound, DocumentStore
from models.db import make_engine
from models.tables import utcnow

MANIFEST = "manifest.json"
DOCUMENTS_ARCHIVE = "documents.tar"
DATABASE_FILES = {"sqlite": "database.sqlite", "postgresql": "database.dump"}
FORMAT = 1
FILE_FIELDS = {"table", "id", "storage_key", "sha256"}  # what the manifest says of each stored file


class BackupError(Exception):
    """A backup or restore cannot be done; the message says why."""


@dataclass(frozen=True)
class Outcome:
    files: int  # stored files the database points to
    problems: list[str]  # those missing or not matching their checksum


def _backend(database_url: str) -> str:
    backend = make_url(database_url).get_backend_name()
    if backend not in DATABASE_FILES:
        raise BackupError(f"cannot back up a {backend} database; pilotflow runs on SQLite or PostgreSQL")
    return backend


def file_sha256(path: Path) -> str:
    with path.open("rb") as file:
        return hashlib.file_digest(file, "sha256").hexdigest()


def _stored_files(connection: Connection) -> list[dict]:
    """Every file a row points to, found by the naming rule `<x>storage_key` + `<x>sha256`."""
    inspector = sa.inspect(connection)
    files = []
    for table_name in sorted(inspector.get_table_names()):
        columns = {column["name"] for column in inspector.get_columns(table_name)}
        for key_column in sorted(c for c in columns if c.endswith("storage_key")):
            sha_column = key_column.removesuffix("storage_key") + "sha256"
            if "id" not in columns or sha_column not in columns:
                continue
            table = sa.table(table_name, sa.column("id"), sa.column(key_column), sa.column(sha_column))
            query = (sa.select(table.c.id, table.c[key_column], table.c[sha_column])
                     .where(table.c[key_column].is_not(None)).order_by(table.c.id))
            files += [{"table": table_name, "id": row_id, "storage_key": key, "sha256": sha256}
                      for row_id, key, sha256 in connection.execute(query)]
    return files


def _verify(files: list[dict], document_dir: Path) -> list[str]:
    store = DocumentStore(document_dir)
    problems = []
    for file in files:
        where = f"{file['table']} {file['id']} ({file['storage_key']})"
        try:
            store.read(file["storage_key"], file["sha256"])
        except DocumentNotFound:
            problems.append(f"{where}: the file is missing")
        except DocumentIntegrityError:
            problems.append(f"{where}: the file does not match its checksum {file['sha256']}")
    return problems


def _libpq_environment(database_url: str) -> dict[str, str]:
    """Connection settings for pg_dump and pg_restore, passed in the environment so that a password
    never shows in the process list."""
    url = make_url(database_url)
    env = dict(os.environ)
    for name, value in (("PGHOST", url.host), ("PGPORT", url.port), ("PGUSER", url.username),
                        ("PGPASSWORD", url.password), ("PGDATABASE", url.database)):
        if value is not None:
            env[name] = str(value)
    return env


def _run_pg_tool(name: str, args: list[str], database_url: str) -> None:
    program = shutil.which(name)
    if program is None:
        raise BackupError(f"{name} is not installed; install the PostgreSQL client tools of the server's "
                          f"major version (Debian/Ubuntu: apt-get install postgresql-client)")
    result = subprocess.run([program, *args], env=_libpq_environment(database_url), capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{name} failed: {result.stderr.strip()}")


def _sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def _copy_sqlite(source: Path, target: Path) -> None:
    with closing(sqlite3.connect(source, timeout=30)) as source_db, closing(sqlite3.connect(target, timeout=30)) as target_db:
        source_db.backup(target_db)


def _backup_sqlite(database_url: str, target: Path) -> list[dict]:
    source = _sqlite_path(database_url)
    if not source.is_file():
        raise BackupError(f"there is no SQLite database at {source}")
    _copy_sqlite(source, target)
    with closing(sqlite3.connect(target)) as copy:
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    engine = sa.create_engine(f"sqlite:///{target}")
    try:
        with engine.connect() as connection:
            return _stored_files(connection)
    finally:
        engine.dispose()


def _backup_postgresql(database_url: str, target: Path) -> list[dict]:
    engine = make_engine(database_url)
    try:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
            # pg_dump joins this transaction's snapshot, so the dump and the manifest see the same rows.
            snapshot = connection.execute(sa.text("SELECT pg_export_snapshot()")).scalar_one()
            files = _stored_files(connection)
            _run_pg_tool("pg_dump", ["--format=custom", "--no-owner", f"--snapshot={snapshot}",
                                     f"--file={target}"], database_url)
    finally:
        engine.dispose()
    return files


def _archive_documents(document_dir: Path, target: Path) -> None:
    with tarfile.open(target, "w") as archive:
        if document_dir.is_dir():
            for path in sorted(document_dir.rglob("*")):
                # Dot files are the store's writes in progress (see DocumentStore.put).
                if path.is_file() and not path.name.startswith("."):
                    archive.add(path, arcname=path.relative_to(document_dir).as_posix())


def create_backup(out: Path, database_url: str, document_dir: Path) -> Outcome:
    """Write a backup into the folder `out` (created; it must be empty)."""
    backend = _backend(database_url)
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise BackupError(f"{out} is not an empty folder; give each backup a new one")
    out.mkdir(parents=True, exist_ok=True)
    database_file = out / DATABASE_FILES[backend]
    files = (_backup_sqlite if backend == "sqlite" else _backup_postgresql)(database_url, database_file)
    _archive_documents(Path(document_dir), out / DOCUMENTS_ARCHIVE)
    manifest = {
        "format": FORMAT,
        "created_at": utcnow().isoformat(),
        "backend": backend,
        "database": {"file": database_file.name, "sha256": file_sha256(database_file)},
        "documents_archive": {"file": DOCUMENTS_ARCHIVE, "sha256": file_sha256(out / DOCUMENTS_ARCHIVE)},
        "files": files,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    return Outcome(files=len(files), problems=_verify(files, Path(document_dir)))


def _read_manifest(source: Path) -> dict:
    """The backup's manifest, once every part it names is present and matches its checksum."""
    path = source / MANIFEST
    if not path.is_file():
        raise BackupError(f"{source} holds no {MANIFEST}: it is not a pilotflow backup, or the backup did not finish")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        if manifest["format"] != FORMAT:
            raise BackupError(f"{path} is of format {manifest['format']}; this pilotflow reads format {FORMAT}")
        parts = [(source / manifest[part]["file"], manifest[part]["sha256"])
                 for part in ("database", "documents_archive")]
        well_formed = manifest["backend"] in DATABASE_FILES and isinstance(manifest["files"], list) and all(
            isinstance(file, dict) and FILE_FIELDS <= file.keys() for file in manifest["files"])
    except (ValueError, KeyError, TypeError) as exc:
        raise BackupError(f"{path} is malformed: {exc!r}") from None
    if not well_formed:
        raise BackupError(f"{path} is malformed: an unknown backend, or no proper list of files")
    for part, sha256 in parts:
        if not part.is_file():
            raise BackupError(f"{part} is missing: the backup is incomplete")
        if file_sha256(part) != sha256:
            raise BackupError(f"{part} does not match its checksum in {MANIFEST}: the backup is damaged")
    return manifest


def _applications_in(database_url: str) -> int:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            if not sa.inspect(connection).has_table("application"):
                return 0
            return connection.execute(sa.text("SELECT count(*) FROM application")).scalar_one()
    finally:
        engine.dispose()


def restore_backup(source: Path, database_url: str, document_dir: Path, force: bool = False) -> Outcome:
    """Restore the backup in `source` into the database and the document store, then verify every
    stored file against the restored database. Refuses to replace a database holding applications
    unless `force`. Stop the API and the workers first: the database is replaced under them."""
    source, document_dir = Path(source), Path(document_dir)
    manifest = _read_manifest(source)
    backend = _backend(database_url)
    if manifest["backend"] != backend:
        raise BackupError(f"the backup is of a {manifest['backend']} database, the configured one is {backend}")
    if not force and (count := _applications_in(database_url)):
        raise BackupError(f"the configured database already holds {count} applications; "
                          f"restore with --force to replace it")
    database_file = source / manifest["database"]["file"]
    if backend == "sqlite":
        target = _sqlite_path(database_url)
        target.parent.mkdir(parents=True, exist_ok=True)
        _copy_sqlite(database_file, target)
    else:
        _run_pg_tool("pg_restore", ["--clean", "--if-exists", "--no-owner", "--single-transaction",
                                    f"--dbname={make_url(database_url).database}", str(database_file)],
                     database_url)
    document_dir.mkdir(parents=True, exist_ok=True)
    try:
        with tarfile.open(source / DOCUMENTS_ARCHIVE) as archive:
            archive.extractall(document_dir, filter="data")  # nothing may land outside the store
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"the document archive cannot be extracted: {exc}") from None
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            files = _stored_files(connection)
    finally:
        engine.dispose()
    restored = {(f["table"], f["id"], f["storage_key"]): f["sha256"] for f in files}
    problems = [f"{f['table']} {f['id']} ({f['storage_key']}): in the manifest, but not so in the restored database"
                for f in manifest["files"] if restored.get((f["table"], f["id"], f["storage_key"])) != f["sha256"]]
    return Outcome(files=len(files), problems=problems + _verify(files, document_dir))
