"""Property-based fuzz targets for the parsers that face the outside: callback XML (raw and through the real AES
envelope into normalisation), JSON (InboundMessage, 微信客服 sync_msg items) and audio (voice bytes, live PCM).

Each target states the only exceptions it may raise (a typed refusal); anything else is a crash. Shared by the CI-sized
tests (tests/scale/test_fuzz_parsers.py) and the ≥ 10k-case run in bench/bench_scale.py."""

from __future__ import annotations

import json
import string
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from hypothesis import strategies as st
from pydantic import ValidationError

from contract.errors import CopilotError

CREDS = {
    "token": "QDG6eK",
    "aes_key": "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
    "corp_id": "wx5823bf96d3bd56c7",
}
TAGS = [
    "ToUserName",
    "FromUserName",
    "CreateTime",
    "MsgType",
    "Content",
    "MsgId",
    "AgentID",
    "Event",
    "MediaId",
    "Format",
    "Recognition",
    "PicUrl",
    "Location_X",
    "Location_Y",
    "Scale",
    "Label",
    "Title",
    "Url",
    "Token",
    "OpenKfId",
    "ChangeType",
    "ExternalUserID",
    "UserID",
    "InfoType",
    "Encrypt",
    "ThumbMediaId",
]
MSG_TYPES = [
    "text",
    "image",
    "voice",
    "video",
    "file",
    "location",
    "link",
    "event",
    "shortvideo",
    "weird",
    "",
]
text_any = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60)


@dataclass
class Target:
    name: str
    strategy: st.SearchStrategy[Any]
    run: Callable[[Any], object]
    allowed: tuple[type[BaseException], ...]
    examples: tuple[Any, ...] = ()  # always tried first (known regressions)


# ---- XML ---------------------------------------------------------------------------------------------------------


def _field(tag: str, value: str, cdata: bool) -> str:
    return f"<{tag}><![CDATA[{value}]]></{tag}>" if cdata else f"<{tag}>{value}</{tag}>"


@st.composite
def callback_xml(draw: st.DrawFn) -> str:
    """Mostly well-formed WeCom-shaped XML with hostile values, sometimes broken on purpose."""
    fields = [("MsgType", draw(st.sampled_from(MSG_TYPES)))]
    fields += draw(st.lists(st.tuples(st.sampled_from(TAGS), text_any), max_size=8))
    body = "".join(_field(t, v.replace("]]>", ""), draw(st.booleans())) for t, v in fields)
    doc = f"<xml>{body}</xml>"
    mutation = draw(st.sampled_from(["none", "none", "truncate", "dtd", "nest", "junk"]))
    if mutation == "truncate":
        doc = doc[: draw(st.integers(0, len(doc)))]
    elif mutation == "dtd":
        doc = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>' + doc.replace(
            "</xml>", "&b;</xml>"
        )
    elif mutation == "nest":
        doc = "<xml>" + "<a>" * draw(st.integers(1, 300)) + "</xml>"
    elif mutation == "junk":
        doc += draw(text_any)
    return doc


def _xml_raw(data: Any) -> object:
    from channels.wecom.xml import parse_xml

    return parse_xml(data)


@lru_cache(maxsize=1)
def _crypto() -> Any:
    from channels import CallbackCredentials
    from channels.wecom.crypto import CallbackCrypto

    return CallbackCrypto(CallbackCredentials(CREDS["token"], CREDS["aes_key"], CREDS["corp_id"]))


def _xml_sealed(plaintext: str) -> object:
    """The whole callback path after the HTTP layer: signature check, AES, XML, normalisation into InboundMessage."""
    from channels.callback import open_encrypted
    from channels.wecom.normalise import normalise_xml
    from contract.messages import Channel

    crypto = _crypto()
    encrypted, signature = crypto.seal(plaintext, "1764470000", "fuzz")
    body = f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>".encode()
    params = {"msg_signature": signature, "timestamp": "1764470000", "nonce": "fuzz"}
    opened = open_encrypted(crypto, params, body)
    return normalise_xml(opened.fields, channel=Channel.WECOM_APP, tenant="demo")


def _xml_envelope(pair: tuple[bytes, str]) -> object:
    """Forged or corrupted envelopes: random Encrypt payloads and signatures."""
    from channels.callback import open_encrypted

    body, signature = pair
    params = {"msg_signature": signature, "timestamp": "1764470000", "nonce": "fuzz"}
    return open_encrypted(_crypto(), params, body)


envelope = st.tuples(
    st.one_of(
        st.binary(max_size=300),
        st.builds(
            lambda s: f"<xml><Encrypt><![CDATA[{s}]]></Encrypt></xml>".encode(), st.text(string.printable)
        ),
        st.builds(
            lambda s: f"<xml><Encrypt>{s}</Encrypt></xml>".encode(),
            st.text(alphabet=string.ascii_letters + string.digits + "+/= ", max_size=200),
        ),
    ),
    st.text(alphabet=string.hexdigits, max_size=40),
)

# ---- JSON --------------------------------------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text_any,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(text_any, children, max_size=4),
    max_leaves=20,
)
PART_KINDS = ["text", "image", "voice", "video", "file", "location", "link", "event", "emoji", "hologram"]


@st.composite
def inbound_like(draw: st.DrawFn) -> bytes:
    """InboundMessage-shaped JSON with every field possibly wrong, or raw bytes."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=200))
    body: dict[str, Any] = {
        "tenant": draw(st.sampled_from(["demo", "", "x" * 101])),
        "channel": draw(st.sampled_from(["rest", "wecom_app", "wecom_kf", "voice", "oa", "??"])),
        "conversation_id": draw(text_any),
        "message_id": draw(text_any),
        "customer_ref": draw(text_any),
        "parts": [
            {
                "kind": draw(st.sampled_from(PART_KINDS)),
                **draw(
                    st.dictionaries(
                        st.sampled_from(
                            ["text", "media_ref", "format", "latitude", "longitude", "url", "event", "detail"]
                        ),
                        json_values,
                        max_size=4,
                    )
                ),
            }
            for _ in range(draw(st.integers(0, 3)))
        ],
    }
    for key in draw(st.lists(st.sampled_from(list(body)), max_size=2)):
        body[key] = draw(json_values)
    return json.dumps(body, ensure_ascii=draw(st.booleans())).encode()


def _json_inbound(raw: bytes) -> object:
    from contract.messages import InboundMessage

    return InboundMessage.model_validate_json(raw)


kf_items = st.fixed_dictionaries(
    {
        "msgid": st.one_of(st.none(), text_any),
        "msgtype": st.sampled_from(
            [
                "text",
                "image",
                "voice",
                "file",
                "location",
                "link",
                "business_card",
                "miniprogram",
                "msgmenu",
                "event",
                "channels",
                "x",
            ]
        ),
    },
    optional={
        "open_kfid": text_any,
        "external_userid": text_any,
        "servicer_userid": text_any,
        "send_time": json_values,
        "origin": json_values,
        "text": json_values,
        "image": json_values,
        "voice": json_values,
        "location": json_values,
        "link": json_values,
        "event": json_values,
        "msgmenu": json_values,
        "business_card": json_values,
        "miniprogram": json_values,
        "file": json_values,
    },
)


def _json_kf(item: dict[str, Any]) -> object:
    from channels.kf.normalise import normalise_kf

    return normalise_kf(item, tenant="demo")  # never raises: a Skipped for what it cannot read


# ---- audio -------------------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _amr() -> bytes:
    from tests.channels.wecom_fakes import make_amr

    return make_amr(0.5, 440.0)


@st.composite
def voice_bytes(draw: st.DrawFn) -> tuple[bytes, str]:
    """A real AMR clip with bytes flipped / cut / spliced, or random bytes, under a claimed format."""
    fmt = draw(st.sampled_from(["amr", "amr", "speex", "wav", "ogg", "mp3", "silk", "pcm16", "flac", ""]))
    mode = draw(st.sampled_from(["flip", "flip", "truncate", "random", "header"]))
    data = bytearray(_amr())
    if mode == "flip":
        for _ in range(draw(st.integers(1, 40))):
            i = draw(st.integers(0, len(data) - 1))
            data[i] = draw(st.integers(0, 255))
    elif mode == "truncate":
        data = data[: draw(st.integers(0, len(data)))]
    elif mode == "random":
        data = bytearray(draw(st.binary(max_size=2000)))
    else:
        data = bytearray(
            draw(st.sampled_from([b"#!AMR\n", b"RIFF", b"OggS", b"#!SILK_V3", b"{"]))
            + draw(st.binary(max_size=300))
        )
    return bytes(data), fmt


def _audio_decode(pair: tuple[bytes, str]) -> object:
    from channels.voice.transcriber import decode_voice_bytes

    return decode_voice_bytes(*pair)


def _audio_pcm(args: tuple[int, int, list[bytes]]) -> object:
    from channels.voice.pcm import PcmDecoder

    rate, channels, chunks = args
    decoder = PcmDecoder(rate, channels)
    return [decoder.feed(c) for c in chunks]


pcm_stream = st.tuples(
    st.sampled_from([8000, 16000, 44100]),
    st.sampled_from([1, 2, 3]),
    st.lists(
        st.one_of(st.binary(max_size=500), st.builds(lambda b: b"RIFF" + b, st.binary(max_size=60))),
        max_size=5,
    ),
)

TARGETS = [
    Target("xml_raw", st.one_of(callback_xml(), st.binary(max_size=400)), _xml_raw, (CopilotError,)),
    Target("xml_sealed_to_message", callback_xml(), _xml_sealed, (CopilotError,)),
    Target("xml_forged_envelope", envelope, _xml_envelope, (CopilotError,)),
    Target("json_inbound_message", inbound_like(), _json_inbound, (ValidationError,)),
    Target(
        "json_kf_item", kf_items, _json_kf, (), ({"msgid": "k1", "msgtype": "location", "location": True},)
    ),
    Target("audio_voice_bytes", voice_bytes(), _audio_decode, (CopilotError,)),
    Target("audio_live_pcm", pcm_stream, _audio_pcm, (CopilotError,)),
]


def check(target: Target, value: Any) -> str:
    """Run one case: 'ok', 'refused' (the typed refusal it may raise) — anything else propagates as a crash."""
    try:
        target.run(value)
    except target.allowed:
        return "refused"
    return "ok"
