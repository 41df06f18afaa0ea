"""`kf_msg_or_event` → `sync_msg` from the persisted cursor, page after page while has_more, every item through the
inbox (dedupe by msgid). Our own call because wechatpy 2.0.0a26's sync_msg has no open_kfid and no voice_format."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field

from channels.api.client import WeComApi
from channels.inbox import Inbox, SkipRecorder
from channels.kf.normalise import normalise_kf
from channels.kf.state import KfState
from contract.messages import InboundMessage

log = logging.getLogger("channels.kf")
VOICE_FORMAT_AMR = 0  # 1 = SILK, which FFmpeg/PyAV cannot decode


@dataclass
class SyncReport:
    pages: int = 0
    accepted: int = 0
    duplicates: int = 0
    skipped: list[str] = field(default_factory=list)


class KfSyncer:
    def __init__(
        self,
        api: WeComApi,
        inbox: Inbox,
        state: KfState,
        *,
        tenant: str,
        skips: SkipRecorder | None = None,
        limit: int = 1000,
        max_pages: int = 1000,
    ) -> None:
        self.api, self.inbox, self.state = api, inbox, state
        self.tenant, self.skips, self.limit, self.max_pages = tenant, skips, limit, max_pages
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def _lock(self, open_kfid: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(open_kfid, threading.Lock())

    def sync(self, open_kfid: str, token: str = "") -> SyncReport:
        """Pull everything new for `open_kfid`. The cursor is saved only after a page is fully in the inbox, so a
        crash or a queue outage re-reads that page next time (dedupe absorbs the repeats)."""
        report = SyncReport()
        with self._lock(open_kfid):
            cursor = self.state.cursor(open_kfid)
            while report.pages < self.max_pages:
                body: dict[str, object] = {
                    "cursor": cursor,
                    "limit": self.limit,
                    "voice_format": VOICE_FORMAT_AMR,
                }
                if token:
                    body["token"] = token
                if open_kfid:
                    body["open_kfid"] = open_kfid
                page = self.api.call("POST", "/cgi-bin/kf/sync_msg", json_body=body)
                report.pages += 1
                for item in page.get("msg_list") or []:
                    self._take(item, report)
                next_cursor = str(page.get("next_cursor") or "")
                if next_cursor:
                    cursor = next_cursor
                    self.state.save_cursor(open_kfid, cursor)
                if int(page.get("has_more") or 0) != 1:  # loop even when msg_list is empty
                    break
        log.info("kf sync %s: %s", open_kfid, report)
        return report

    def _take(self, item: dict[str, object], report: SyncReport) -> None:
        outcome = normalise_kf(item, tenant=self.tenant)
        if not isinstance(outcome, InboundMessage):
            report.skipped.append(outcome.reason)
            log.info("kf skipped %s: %s", outcome.message_id, outcome.reason)
            if self.skips is not None:
                self.skips.record_skipped("wecom_kf", outcome.message_id, outcome.reason, outcome.raw)
            return
        if self.inbox.accept(outcome):
            report.accepted += 1
        else:
            report.duplicates += 1
        if outcome.sender == "customer":
            open_kfid = outcome.conversation_id.split(":", 1)[0]
            self.state.customer_spoke(open_kfid, outcome.customer_ref, outcome.sent_at.timestamp())
