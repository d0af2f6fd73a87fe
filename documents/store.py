"""Content-addressed file store for generated documents.

A file is stored under a key derived from its SHA-256 (`ab/ab12...ef.docx`), so the same bytes
are stored once, and a key plus its checksum is all a database row needs to keep.
"""

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

_SUFFIX = re.compile(r"[a-z0-9]{1,16}")


class DocumentNotFound(Exception):
    """No stored file under this key, or the key points outside the store."""


class DocumentIntegrityError(Exception):
    """A stored file does not match its checksum."""


@dataclass(frozen=True)
class StoredFile:
    storage_key: str
    sha256: str
    size: int


class DocumentStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()

    def path_for(self, storage_key: str) -> Path:
        path = (self.root / storage_key).resolve()
        if not path.is_relative_to(self.root) or path == self.root:
            raise DocumentNotFound(f"storage key {storage_key!r} is outside the document store")
        return path

    def put(self, content: bytes, suffix: str) -> StoredFile:
        """Store `content` (suffix like "docx" or ".docx"); storing the same bytes again is a no-op."""
        extension = suffix.removeprefix(".").lower()
        if not _SUFFIX.fullmatch(extension):
            raise ValueError(f"invalid file suffix {suffix!r}")
        digest = hashlib.sha256(content).hexdigest()
        stored = StoredFile(
            storage_key=f"{digest[:2]}/{digest}.{extension}", sha256=digest, size=len(content)
        )
        path = self.path_for(stored.storage_key)
        if path.exists():
            # Same key means same content, unless the existing file was damaged: never replace
            # it silently, an operator has to look at it.
            self.read(stored.storage_key, digest)
            return stored
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write next to the target and rename, so readers never see a partial file. Two writers
        # racing on one key write identical bytes, so the rename cannot replace different content.
        with tempfile.NamedTemporaryFile(
            dir=path.parent, prefix=".", suffix=".tmp", delete=False
        ) as tmp:
            tmp.write(content)
            tmp.flush()
            os.fsync(tmp.fileno())
        try:
            os.replace(tmp.name, path)
        except BaseException:
            os.unlink(tmp.name)
            raise
        return stored

    def read(self, storage_key: str, expected_sha256: str) -> bytes:
        path = self.path_for(storage_key)
        if not path.is_file():
            raise DocumentNotFound(f"no stored document under {storage_key!r}")
        content = path.read_bytes()
        actual = hashlib.sha256(content).hexdigest()
        if actual != expected_sha256:
            raise DocumentIntegrityError(
                f"{storage_key}: checksum {actual} does not match the expected {expected_sha256}"
            )
        return content
