"""Meeting codes (``abcd-efgh-ijkl``) and meeting links.

A code is random lowercase ASCII letters from :mod:`secrets`, in groups of
four.  Twelve letters carry 12·log2(26) ≈ 56.4 bits: guessing a live meeting is
hopeless even at millions of tries a second.  Letters only, because codes are
read aloud and typed on phones.
"""

from __future__ import annotations

import math
import re
import secrets
import string
from urllib.parse import unquote, urlsplit

from visio.config import Settings

GROUP = 4
MIN_LETTERS = 12
#: ``Settings.slug_letters`` is at most 30, rounded up to whole groups.
MAX_LETTERS = 32
ALPHABET = string.ascii_lowercase

# What people put between groups when typing or pasting a code: spaces and
# dashes (word processors turn "-" into U+2010..U+2015).  Not dots: a bare host
# name must not pass for a code.
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015]+")
_LETTERS = re.compile(r"[a-z]+")


def letters_for(settings: Settings) -> int:
    """Letters in a new code: ``settings.slug_letters`` rounded up to whole groups."""
    return math.ceil(settings.slug_letters / GROUP) * GROUP


def entropy_bits(letters: int) -> float:
    return letters * math.log2(len(ALPHABET))


def format_slug(letters: str) -> str:
    return "-".join(letters[i : i + GROUP] for i in range(0, len(letters), GROUP))


def generate_slug(settings: Settings) -> str:
    """A new random meeting code such as ``abcd-efgh-ijkl``."""
    letters = "".join(secrets.choice(ALPHABET) for _ in range(letters_for(settings)))
    return format_slug(letters)


def normalize_slug(text: str) -> str | None:
    """The canonical code in a code or meeting link someone typed or pasted.

    Accepts ``abcd-efgh-ijkl``, ``ABCD EFGH IJKL``, ``abcdefghijkl`` and links
    such as ``https://meet.example.org/abcd-efgh-ijkl?x=1`` (the last path
    segment is the code).  Returns ``None`` when no well-formed code is found:
    not letters only, or a length that no Visio code has.  Does not say
    whether the meeting exists.
    """
    if len(text) > 2048:
        return None
    candidate = text.strip()
    if "://" in candidate:
        try:
            candidate = urlsplit(candidate).path
        except ValueError:
            return None
    else:
        # A link without a scheme (meet.example.org/abcd-…), maybe with a query.
        candidate = re.split(r"[?#]", candidate, maxsplit=1)[0]
    segments = [part for part in unquote(candidate).split("/") if part.strip()]
    if not segments:
        return None
    letters = _SEPARATORS.sub("", segments[-1]).lower()
    if not _LETTERS.fullmatch(letters):
        return None
    if len(letters) % GROUP or not MIN_LETTERS <= len(letters) <= MAX_LETTERS:
        return None
    return format_slug(letters)


def meeting_url(settings: Settings, slug: str) -> str:
    """The link people open to join: ``public_url`` (or ``http://host:port``) + ``/`` + code."""
    return f"{base_url(settings)}/{slug}"


def base_url(settings: Settings) -> str:
    """Where people reach this server, without a trailing slash."""
    if settings.public_url is not None:
        return str(settings.public_url).rstrip("/")
    host = settings.host
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    return f"http://{host}:{settings.port}"
