"""Length-preserving normalisation, so a match in the normalised text is a span in the original text.

Full-width ASCII (１３８…, ＡＢＣ, ＠) becomes half-width, the ideographic space a plain space, and runs of spoken Chinese digits
(幺三八… from a transcript) become ASCII digits. Each is one character in, one character out."""

from __future__ import annotations

import re

_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FULLWIDTH.update({0x3000: 0x20, 0x2014: 0x2D, 0x2013: 0x2D, 0x2212: 0x2D, 0xFF0D: 0x2D, 0x00B7: 0xB7})
_HAN_DIGITS = str.maketrans("〇零幺一二三四五六七八九", "001123456789")
# Seven or more spoken digits in a row (optionally spaced) are a number read aloud, never prose.
_HAN_DIGIT_RUN = re.compile(r"[〇零幺一二三四五六七八九](?:[ ,，]?[〇零幺一二三四五六七八九]){6,}")


def normalise(text: str) -> str:
    out = text.translate(_FULLWIDTH)
    if any(c in out for c in "〇零幺一二三四五六七八九"):
        out = _HAN_DIGIT_RUN.sub(lambda m: m.group(0).translate(_HAN_DIGITS), out)
    return out
