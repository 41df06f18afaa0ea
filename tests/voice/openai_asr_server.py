"""A real OpenAI-compatible transcription server for the tests: FastAPI + faster-whisper's own `transcribe`, served by
uvicorn on 127.0.0.1 (what a deployer's Whisper / FunASR / vLLM server looks like from the copilot's side)."""

from __future__ import annotations

import io
import socket
import threading
import time
from typing import Any

from fastapi import FastAPI, File, Form, HTTPException, UploadFile


def transcription_app(model: Any) -> FastAPI:
    app = FastAPI()

    @app.post("/v1/audio/transcriptions")
    async def transcriptions(
        file: UploadFile = File(...),
        model_name: str = Form("whisper-1", alias="model"),
        language: str = Form(""),
        prompt: str = Form(""),
        response_format: str = Form("json"),
        temperature: float = Form(0.0),
    ) -> dict[str, Any]:
        from faster_whisper import decode_audio

        data = await file.read()
        try:
            audio = decode_audio(io.BytesIO(data), sampling_rate=16_000)
        except Exception as exc:  # PyAV: not audio
            raise HTTPException(400, f"cannot decode audio: {type(exc).__name__}") from exc
        segments, info = model.transcribe(
            audio, language=language or None, initial_prompt=prompt or None, beam_size=1, temperature=temperature,
            condition_on_previous_text=False,
        )  # fmt: skip
        segs = [
            {"id": i, "start": s.start, "end": s.end, "text": s.text, "avg_logprob": s.avg_logprob,
             "no_speech_prob": s.no_speech_prob, "compression_ratio": s.compression_ratio}
            for i, s in enumerate(segments)
        ]  # fmt: skip
        text = "".join(s["text"] for s in segs).strip()
        if response_format != "verbose_json":
            return {"text": text}
        return {"task": "transcribe", "language": info.language, "language_probability": info.language_probability,
                "duration": info.duration, "text": text, "segments": segs}  # fmt: skip

    return app


class TranscriptionServer:
    """uvicorn in a daemon thread on a free 127.0.0.1 port; `base_url` ends in /v1."""

    def __init__(self, model: Any) -> None:
        import uvicorn

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
        self.server = uvicorn.Server(
            uvicorn.Config(transcription_app(model), host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("transcription server did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
