"""Where to send the browser after sign-in: only back to this site.

``next`` comes from a URL anyone can craft, so an unchecked value would make
the sign-in an open redirect (``/auth/login?next=https://evil.example`` lands
a freshly signed-in person on a look-alike site).
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

HOME = "/"
MAX_NEXT_CHARS = 2048
#: Where sign-in itself lives: going back there after signing in would loop.
AUTH_PREFIX = "/auth"


def safe_next_path(value: str | None) -> str:
    """``value`` if it is a path on this site, else ``/``.

    Accepted: an absolute path (``/abcd-efgh-ijkl?x=1``).  Refused, at any
    depth of percent-decoding: anything with a scheme or host
    (``https://evil.example``, ``//evil.example``), a backslash (browsers
    read ``/\\evil.example`` as ``//evil.example``), control characters and
    whitespace (browsers drop tabs and newlines from URLs), and paths under
    ``/auth``.
    """
    if not value or len(value) > MAX_NEXT_CHARS:
        return HOME
    decoded = value
    # Decode until stable: "%252F" is "%2F" after one round and "/" after two,
    # and something downstream (a proxy, the web client) may decode again.
    for _ in range(5):
        if not _is_safe_form(decoded):
            return HOME
        once = unquote(decoded)
        if once == decoded:
            break
        decoded = once
    else:
        return HOME  # still changing after several rounds: give up
    path = urlsplit(decoded).path
    if path == AUTH_PREFIX or path.startswith(AUTH_PREFIX + "/"):
        return HOME
    return value


def _is_safe_form(value: str) -> bool:
    if not value.startswith("/") or value.startswith("//"):
        return False
    if "\\" in value:
        return False
    if any(ord(char) < 0x21 or ord(char) == 0x7F for char in value):
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return not parts.scheme and not parts.netloc
