"""Length-preserving normalisation, so a match in the normalised text is a span in the original text.

Full-width ASCII (１３８…, ＡＢＣ, ＠) becomes half-width, the ideographic space a plain space, and spoken or mixed digit
runs (幺三八…, 一三八 1762 四五九零 from a transcript) become ASCII digits (contract.numerals). Each is one character
in, one character out."""

from __future__ import annotations

from contract.numerals import normalise_spoken

_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FULLWIDTH.update({0x3000: 0x20, 0x2014: 0x2D, 0x2013: 0x2D, 0x2212: 0x2D, 0xFF0D: 0x2D, 0x00B7: 0xB7})


def normalise_width(text: str) -> str:
    """Full-width forms only: written digits stay apart from the Han numerals next to them (张三13817624590)."""
    return text.translate(_FULLWIDTH)


def normalise(text: str) -> str:
    return normalise_spoken(normalise_width(text))
