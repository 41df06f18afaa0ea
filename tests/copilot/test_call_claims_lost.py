"""Review of d7547a8 (NIT): a socket whose claim lapsed (a stalled process, a Redis flush) kept streaming while a second
socket could be admitted on the freed claim. Now the heartbeat that finds the claim gone ends the socket: a fatal
`claim_lost` frame and close code 1013."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.websockets import WebSocketDisconnect

from copilot.calls import LocalClaims
from tests.copilot.test_call_claims import START, NoDecoder


class _Flushed(LocalClaims):
    """Claims whose store lost every key: a refresh never finds the claim."""

    def refresh(self, key: str, owner: str, ttl_s: float) -> bool:
        return False


def test_a_socket_whose_claim_lapsed_is_ended_with_1013() -> None:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from channels.voice.asr_service import AsrService
    from channels.voice.router import build_voice_router

    asr = AsrService(lambda: NoDecoder(), max_calls=4)  # type: ignore[arg-type,return-value]

    async def on_final(msg: Any) -> None:
        return None

    app = FastAPI()
    app.include_router(
        build_voice_router(asr, on_final, tenant="t", claims=_Flushed(), socket_claim_ttl_s=0.3)
    )
    with TestClient(app) as http, http.websocket_connect("/voice/calls/call-lost") as ws:
        ws.send_json(START)
        assert ws.receive_json()["type"] == "ready"
        frames = []
        with pytest.raises(WebSocketDisconnect) as closed:
            while True:  # within one heartbeat (0.1 s)
                frames.append(ws.receive_json())
        assert closed.value.code == 1013
        assert any(f.get("reason") == "claim_lost" and f.get("fatal") for f in frames), frames
    asr.close()
