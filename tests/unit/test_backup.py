"""Backup and restore of the database and the document store, on SQLite and on PostgreSQL."""

import io
import json
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import select

from admin.backup import DOCUMENTS_ARCHIVE, MANIFEST, BackupError, create_backup, file_sha256, restore_backup
from admin.cli import main
from documents.registry import DOCX, document_store
from models import db
from models.db import session_scope
from models.settings import get_settings
from models.tables import Application, Document
from tests.api.test_auth import new_application
from tests.factories import application
from tests.postgres import scratch_databases


def new_application_with_documents(*contents: bytes) -> int:
    """An application with a contract version per content, stored in the document store."""
    application_id = new_application()
    with session_scope() as session:
        for version, content in enumerate(contents, start=1):
            stored = document_store().put(content, "docx")
            session.add(Document(application_id=application_id, kind="contract", version=version, language="ru",
                                 filename="contract.docx", content_type=DOCX, storage_key=stored.storage_key,
                                 sha256=stored.sha256, size=stored.size, template_name="contract_ru.docx",
                                 template_sha256="0" * 64))
    return application_id


@pytest.fixture
def empty_target(database, tmp_path) -> Iterator[str]:
    """A database URL of the same backend as the configured one, with nothing in it."""
    if database == "sqlite":
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    with scratch_databases("pilotflow_restore") as (url,):
        yield url


def backup_now(out: Path):
    settings = get_settings()
    return create_backup(out, settings.database_url, settings.document_dir)


def test_a_backup_restores_into_an_empty_database_and_every_file_is_verified(database, empty_target, tmp_path):
    application_id = new_application_with_documents(b"contract v1", b"contract v2")
    outcome = backup_now(tmp_path / "backup")
    assert (outcome.files, outcome.problems) == (2, [])
    manifest = json.loads((tmp_path / "backup" / MANIFEST).read_text())
    assert manifest["backend"] == ("sqlite" if database == "sqlite" else "postgresql")
    with session_scope() as session:
        stored = {(d.id, d.sha256) for d in session.exec(select(Document)).all()}
    assert {(f["id"], f["sha256"]) for f in manifest["files"] if f["table"] == "document"} == stored

    documents = tmp_path / "restored-documents"
    outcome = restore_backup(tmp_path / "backup", empty_target, documents)
    assert (outcome.files, outcome.problems) == (2, [])
    engine = db.make_engine(empty_target)
    with engine.connect() as connection:
        assert connection.execute(sa.text("SELECT title FROM application WHERE id = :id"),
                                  {"id": application_id}).scalar_one() == application()["title"]
    engine.dispose()
    assert sorted(p.read_bytes() for p in documents.rglob("*.docx")) == [b"contract v1", b"contract v2"]


def _replace_in_archive(backup: Path, storage_key: str, content: bytes | None) -> None:
    """Change (or with None drop) one file in the backup's document archive, and re-seal the manifest,
    as a damaged disk under a careless operator would."""
    archive_path = backup / DOCUMENTS_ARCHIVE
    with tarfile.open(archive_path) as archive:
        members = [(m, archive.extractfile(m).read()) for m in archive.getmembers() if m.isfile()]
    with tarfile.open(archive_path, "w") as archive:
        for member, data in members:
            if member.name == storage_key:
                if content is None:
                    continue
                data, member.size = content, len(content)
            archive.addfile(member, io.BytesIO(data))
    manifest = json.loads((backup / MANIFEST).read_text())
    manifest["documents_archive"]["sha256"] = file_sha256(archive_path)
    (backup / MANIFEST).write_text(json.dumps(manifest))


def test_a_restore_reports_every_file_that_is_damaged_or_missing(database, empty_target, tmp_path):
    new_application_with_documents(b"first", b"second", b"third")
    backup_now(tmp_path / "backup")
    with session_scope() as session:
        first, second, _ = session.exec(select(Document).order_by(Document.id)).all()
    _replace_in_archive(tmp_path / "backup", first.storage_key, b"tampered")
    _replace_in_archive(tmp_path / "backup", second.storage_key, None)
    outcome = restore_backup(tmp_path / "backup", empty_target, tmp_path / "restored-documents")
    assert outcome.files == 3
    assert outcome.problems == [
        f"document {first.id} ({first.storage_key}): the file does not match its checksum {first.sha256}",
        f"document {second.id} ({second.storage_key}): the file is missing",
    ]


def test_a_damaged_or_unfinished_backup_is_refused_before_anything_is_touched(database, empty_target, tmp_path):
    new_application_with_documents(b"contract")
    backup = tmp_path / "backup"
    backup_now(backup)
    database_file = next(p for p in backup.iterdir() if p.name.startswith("database."))
    database_file.write_bytes(database_file.read_bytes() + b"x")
    with pytest.raises(BackupError, match="does not match its checksum in manifest.json: the backup is damaged"):
        restore_backup(backup, empty_target, tmp_path / "documents")
    (backup / MANIFEST).unlink()
    with pytest.raises(BackupError, match="holds no manifest.json"):
        restore_backup(backup, empty_target, tmp_path / "documents")
    (backup / MANIFEST).write_text("{not json")
    with pytest.raises(BackupError, match="is malformed"):
        restore_backup(backup, empty_target, tmp_path / "documents")
    with pytest.raises(BackupError, match="not an empty folder"):
        backup_now(backup)
    assert not (tmp_path / "documents").exists()


def test_the_commands_back_up_and_restore_over_the_live_database_only_when_forced(database, tmp_path, capsys):
    kept = new_application_with_documents(b"contract")
    assert main(["backup", "--out", str(tmp_path / "backup")]) == 0
    assert "1 stored files" in capsys.readouterr().out
    added_later = new_application_with_documents(b"later")
    assert main(["restore", "--from", str(tmp_path / "backup")]) == 1
    assert "already holds 2 applications; restore with --force" in capsys.readouterr().err
    assert main(["restore", "--from", str(tmp_path / "backup"), "--force"]) == 0
    assert "restored from" in capsys.readouterr().out
    with session_scope() as session:
        assert session.get(Application, kept) is not None and session.get(Application, added_later) is None


def test_a_backup_says_which_stored_files_are_already_missing(database, tmp_path, capsys):
    new_application_with_documents(b"contract")
    with session_scope() as session:
        document = session.exec(select(Document)).one()
    (get_settings().document_dir / document.storage_key).unlink()
    assert main(["backup", "--out", str(tmp_path / "backup")]) == 1
    err = capsys.readouterr().err
    assert f"document {document.id} ({document.storage_key}): the file is missing" in err
    assert (tmp_path / "backup" / MANIFEST).is_file()  # what could be saved was saved


def test_a_backup_is_restored_only_into_the_same_kind_of_database(database, tmp_path):
    backup_now(tmp_path / "backup")
    other = "postgresql+psycopg://postgres@127.0.0.1:5432/x" if database == "sqlite" else f"sqlite:///{tmp_path / 'x.db'}"
    with pytest.raises(BackupError, match="the backup is of a .* database, the configured one is"):
        restore_backup(tmp_path / "backup", other, tmp_path / "documents")
