"""Callback crypto for WeCom (app, 微信客服) and the Official Account: one algorithm, different receive ids.

AES comes from wechatpy's cipher. Around it, thin strict code of our own because wechatpy (1.8.18 and 2.0.0a26)
compares signatures with `!=`, does not validate PKCS#7, and lets a wrong key surface as `struct.error` /
`UnicodeDecodeError` (../shared/protocol/wecom/WECHATPY.md). Every failure here is a CallbackRejected with a reason.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct

from wechatpy.crypto.base import BasePrpCrypto, WeChatCipher

from channels.config import CallbackCredentials
from channels.errors import forbidden, malformed

BLOCK = 32  # WeChat pads PKCS#7 to 32-byte blocks, not AES's 16


def signature(*parts: str) -> str:
    """sha1 of the sorted concatenation: msg_signature (token, timestamp, nonce, Encrypt) or OA signature."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()  # noqa: S324 - the protocol's hash


class CallbackCrypto:
    def __init__(self, creds: CallbackCredentials) -> None:
        self.creds = creds
        self.key = b""
        if creds.aes_key:
            try:
                self.key = base64.b64decode(creds.aes_key + "=", validate=True)
            except binascii.Error:
                raise ValueError("EncodingAESKey is not base64") from None
            if len(self.key) != 32:
                raise ValueError("EncodingAESKey must decode to 32 bytes")
        self._cipher = (
            WeChatCipher(self.key) if self.key else None
        )  # built once; each decrypt gets a fresh context

    def check_signature(self, given: str, timestamp: str, nonce: str, *payload: str) -> None:
        expected = signature(self.creds.token, timestamp, nonce, *payload)
        if not hmac.compare_digest(expected, (given or "").lower()):
            raise forbidden("invalid_signature", "signature does not match")

    def decrypt(self, encrypted: str) -> str:
        """The UTF-8 message inside `encrypted`, after checking base64, block length, padding, layout, receive id."""
        if not self.key:
            raise forbidden("no_aes_key", "an encrypted callback arrived but no EncodingAESKey is configured")
        try:
            raw = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError):
            raise malformed("bad_base64", "Encrypt is not valid base64") from None
        if not raw or len(raw) % BLOCK:
            raise malformed("bad_block_length", f"ciphertext length {len(raw)} is not a multiple of {BLOCK}")
        assert self._cipher is not None
        plain = self._cipher.decrypt(raw)
        pad = plain[-1]
        if not 1 <= pad <= BLOCK or plain[-pad:] != bytes([pad]) * pad:
            raise malformed("bad_padding", "PKCS#7 padding is invalid (wrong EncodingAESKey?)")
        content = plain[16:-pad]
        if len(content) < 4:
            raise malformed("bad_layout", "plaintext too short")
        (length,) = struct.unpack(">I", content[:4])
        if length > len(content) - 4:
            raise malformed(
                "bad_layout", "declared message length exceeds the plaintext (wrong EncodingAESKey?)"
            )
        try:
            message: str = content[4 : 4 + length].decode("utf-8")
            receive_id = content[4 + length :].decode("utf-8")
        except UnicodeDecodeError:
            raise malformed("not_utf8", "decrypted message is not UTF-8 (wrong EncodingAESKey?)") from None
        if not hmac.compare_digest(receive_id.encode(), self.creds.receive_id.encode()):
            raise forbidden("wrong_receive_id", "message was encrypted for another CorpID/AppID")
        return message

    def verify_echostr(self, msg_signature: str, timestamp: str, nonce: str, echostr: str) -> str:
        """WeCom URL verification: check the signature over echostr, then return its plaintext."""
        self.check_signature(msg_signature, timestamp, nonce, echostr)
        return self.decrypt(echostr)

    def decrypt_message(self, msg_signature: str, timestamp: str, nonce: str, encrypted: str) -> str:
        self.check_signature(msg_signature, timestamp, nonce, encrypted)
        return self.decrypt(encrypted)

    def seal(self, plaintext: str, timestamp: str, nonce: str) -> tuple[str, str]:
        """(Encrypt, msg_signature) for `plaintext`, as Tencent would send it (used by passive replies and tests)."""
        encrypted = BasePrpCrypto(self.key)._encrypt(plaintext, self.creds.receive_id).decode()
        return encrypted, signature(self.creds.token, timestamp, nonce, encrypted)
