"""LLM clients behind ChatModel: an OpenAI-compatible endpoint (a real local HTTP server streaming SSE) and
langchain-community/core chat models by class path (langchain's own scripted fake model)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from agents.llm.langchain_chat import LangChainChat
from agents.llm.openai_compat import OpenAICompatChat
from contract.errors import BackendUnavailable, UserError


class _Handler(BaseHTTPRequestHandler):
    delay_s = 0.0

    def log_message(self, *args):  # keep test output quiet
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        assert self.path == "/v1/chat/completions" and body["stream"] is True
        if body["model"] == "broken":
            self.send_response(500)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        time.sleep(self.delay_s if body["model"] == "slow" else 0)
        for piece in ("您好，", "返点按协议执行", "[1]。"):
            event = {"choices": [{"delta": {"content": piece}}]}
            self.wfile.write(f"data: {json.dumps(event, ensure_ascii=False)}\n\n".encode())
            self.wfile.flush()
        usage = {"choices": [], "usage": {"prompt_tokens": 12, "completion_tokens": 3}}
        self.wfile.write(f"data: {json.dumps(usage)}\n\ndata: [DONE]\n\n".encode())


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):  # the timed-out client hangs up mid-stream: expected
        pass


@pytest.fixture(scope="module")
def endpoint():
    _Handler.delay_s = 2.0
    server = _QuietServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_openai_compatible_stream_gives_text_usage_and_first_token_time(endpoint):
    out = OpenAICompatChat(endpoint, "qwen").complete([{"role": "user", "content": "返点？"}], timeout_s=10)
    assert out.text == "您好，返点按协议执行[1]。" and out.completion_tokens == 3 and out.prompt_tokens == 12
    assert out.first_token_ms is not None and out.total_ms >= out.first_token_ms


def test_openai_compatible_timeout_and_http_errors_are_backend_unavailable(endpoint):
    with pytest.raises(BackendUnavailable) as slow:
        OpenAICompatChat(endpoint, "slow").complete([{"role": "user", "content": "x"}], timeout_s=0.5)
    assert slow.value.reason == "llm_timeout"
    with pytest.raises(BackendUnavailable) as broken:
        OpenAICompatChat(endpoint, "broken").complete([{"role": "user", "content": "x"}], timeout_s=5)
    assert broken.value.reason == "llm_http_error"
    with pytest.raises(BackendUnavailable):
        OpenAICompatChat("http://127.0.0.1:9", "x").complete([{"role": "user", "content": "x"}], timeout_s=2)


def test_langchain_chat_model_by_class_path():
    llm = LangChainChat(
        "langchain_core.language_models.fake_chat_models.FakeListChatModel", responses=["好的[1]"]
    )
    out = llm.complete([{"role": "system", "content": "s"}, {"role": "user", "content": "u"}], timeout_s=5)
    assert out.text == "好的[1]" and llm.name == "langchain:FakeListChatModel"
    with pytest.raises(UserError):
        LangChainChat("no.such.Model")
