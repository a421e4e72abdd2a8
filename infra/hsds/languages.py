"""Language names as exports write them ("Spanish", "espagnol", "Créole haïtien") as ISO codes."""

from __future__ import annotations

import re
from functools import cache

import pycountry

from projections.search_query import fold_text
from projections.statistics_labels import french_catalogue

# Names people use that the ISO tables spell otherwise.
_ALIASES = {
    "creole": "ht",
    "haitian creole": "ht",
    "creole haitien": "ht",
    "mandarin": "zh",
    "cantonese": "yue",
    "cantonais": "yue",
    "farsi": "fa",
    "persan": "fa",
    "tagalog": "tl",
    "filipino": "fil",
    "langue des signes quebecoise": "fcs",
    "lsq": "fcs",
    "american sign language": "ase",
    "asl": "ase",
    "sign language": "sgn",
    "langue des signes": "sgn",
    "inuktitut": "iu",
    "punjabi": "pa",
    "pendjabi": "pa",
    "greek": "el",
    "grec": "el",
}
_SEPARATORS = re.compile(r"\s*(?:[,;/&+]|\band\b|\bet\b)\s*")


def _fold(text: str) -> str:
    return " ".join(fold_text(text).split())


def _code(language: object) -> str:
    return str(getattr(language, "alpha_2", None) or language.alpha_3)  # type: ignore[attr-defined]


@cache
def _names() -> dict[str, str]:
    """Folded English and French names of living languages → shortest code."""
    french = french_catalogue()
    found: dict[str, str] = {}
    for language in pycountry.languages:
        if getattr(language, "type", "") != "L" or getattr(language, "scope", "") not in "IM":
            continue
        code = _code(language)
        for name in (language.name, french.gettext(language.name)):
            found.setdefault(_fold(name), code)
            # "Spanish; Castilian" and "Chinese (Mandarin)" style names
            found.setdefault(_fold(re.split(r"[;(]", name)[0]), code)
    found.update(_ALIASES)
    return found


def language_code(name: str) -> str | None:
    """The ISO 639 code for one language given by code or by English or French name."""
    folded = _fold(name)
    if not folded:
        return None
    if re.fullmatch(r"[a-z]{2,3}", folded):
        known = (
            pycountry.languages.get(alpha_2=folded)
            or pycountry.languages.get(alpha_3=folded)
            or pycountry.languages.get(bibliographic=folded)
        )
        if known is not None:
            return _code(known)
        return _ALIASES.get(folded)
    names = _names()
    bare = _fold(folded.split("(")[0]).removesuffix(" language")  # "Tamil (Sri Lanka)"
    return names.get(folded) or names.get(bare)


def language_codes(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Codes for every language named in the text, and the names not understood."""
    codes: list[str] = []
    unknown: list[str] = []
    for part in _SEPARATORS.split(text):
        if not part.strip():
            continue
        code = language_code(part)
        if code is None:
            unknown.append(part.strip())
        elif code not in codes:
            codes.append(code)
    return tuple(codes), tuple(unknown)
