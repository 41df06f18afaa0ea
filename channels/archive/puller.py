"""The seam for Tencent's archive SDK. A company that has `libWeWorkFinanceSdk_C.so` implements `ArchivePuller`
(GetChatData + RSA-decrypt the random key + DecryptData, see README.md); `ArchiveSync` does the rest."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from channels.archive.importer import ImportReport, import_records, read_records
from channels.inbox import Inbox, SkipRecorder


@dataclass(frozen=True)
class ArchiveBatch:
    records: list[dict[str, Any]]  # decrypted records (DecryptData output parsed as JSON)
    next_seq: int  # the largest seq in this batch; pull from it next time


@runtime_checkable
class ArchivePuller(Protocol):
    def pull(self, seq: int, limit: int) -> ArchiveBatch:
        """Records after `seq` (at most `limit`, ≤ 1000). Raises BackendUnavailable on SDK errors 10001–10003."""
        ...


@runtime_checkable
class SeqStore(Protocol):
    def cursor(self, key: str) -> str: ...

    def save_cursor(self, key: str, cursor: str) -> None: ...


class FilePuller:
    """A puller over a file of decrypted records (export from an SDK host, or tests): seq = position in the file."""

    def __init__(self, path: str | Path) -> None:
        self.records = list(read_records(path))

    def pull(self, seq: int, limit: int) -> ArchiveBatch:
        batch = self.records[seq : seq + limit]
        return ArchiveBatch(batch, seq + len(batch))


class ArchiveSync:
    """Pull until a short batch, importing into the inbox; the seq is saved after each batch (reuses the kf cursor
    store under the key "archive:<corp>")."""

    def __init__(
        self,
        puller: ArchivePuller,
        inbox: Inbox,
        seq_store: SeqStore,
        *,
        key: str = "archive",
        tenant: str,
        skips: SkipRecorder | None = None,
        limit: int = 1000,
    ) -> None:
        self.puller, self.inbox, self.seq_store = puller, inbox, seq_store
        self.key, self.tenant, self.skips, self.limit = key, tenant, skips, limit

    def run(self) -> ImportReport:
        total = ImportReport()
        seq = int(self.seq_store.cursor(self.key) or 0)
        while True:
            batch = self.puller.pull(seq, self.limit)
            report = import_records(batch.records, self.inbox, tenant=self.tenant, skips=self.skips)
            total.accepted += report.accepted
            total.duplicates += report.duplicates
            total.skipped += report.skipped
            if batch.next_seq > seq:
                seq = batch.next_seq
                self.seq_store.save_cursor(self.key, str(seq))
            if len(batch.records) < self.limit:
                return total
