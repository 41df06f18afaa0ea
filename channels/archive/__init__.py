"""会话内容存档 (message archive): a puller protocol for Tencent's closed C SDK and an importer for decrypted records."""

from channels.archive.importer import ImportReport, import_records, normalise_archive, read_records
from channels.archive.puller import ArchiveBatch, ArchivePuller, ArchiveSync, FilePuller

__all__ = [
    "ArchiveBatch",
    "ArchivePuller",
    "ArchiveSync",
    "FilePuller",
    "ImportReport",
    "import_records",
    "normalise_archive",
    "read_records",
]
