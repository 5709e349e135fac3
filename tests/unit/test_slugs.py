from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from visio.config import Settings, load_settings
from visio.rooms.slugs import (
    entropy_bits,
    generate_slug,
    letters_for,
    meeting_url,
    normalize_slug,
)


def make_settings(tmp_path: Path, **overrides: object) -> Settings:
    return load_settings(data_dir=tmp_path, **overrides)


def test_default_code_is_three_groups_of_four_lowercase_letters(tmp_path: Path) -> None:
    for _ in range(200):
        assert re.fullmatch(r"[a-z]{4}-[a-z]{4}-[a-z]{4}", generate_slug(make_settings(tmp_path)))


def test_default_code_carries_at_least_56_bits(tmp_path: Path) -> None:
    letters = letters_for(make_settings(tmp_path))
    assert letters >= 12
    assert entropy_bits(letters) >= 56
    assert entropy_bits(letters) == pytest.approx(12 * math.log2(26))


def test_letter_count_is_rounded_up_to_whole_groups(tmp_path: Path) -> None:
    slug = generate_slug(make_settings(tmp_path, slug_letters=13))
    assert re.fullmatch(r"[a-z]{4}(-[a-z]{4}){3}", slug)


def test_codes_use_the_whole_alphabet_and_do_not_repeat(tmp_path: Path) -> None:
    settings = make_settings(tmp_path)
    slugs = {generate_slug(settings) for _ in range(2000)}
    assert len(slugs) == 2000
    letters = set("".join(slugs).replace("-", ""))
    assert letters == set("abcdefghijklmnopqrstuvwxyz")


@pytest.mark.parametrize(
    "text",
    [
        "abcd-efgh-ijkl",
        "ABCD-EFGH-IJKL",
        "abcdefghijkl",
        "  abcd efgh ijkl  ",
        "Abcd - Efgh - Ijkl",
        "abcd\u2013efgh\u2013ijkl",
        "https://meet.example.org/abcd-efgh-ijkl",
        "https://meet.example.org/abcd-efgh-ijkl/",
        "https://meet.example.org/visio/ABCDEFGHIJKL?lang=fr#chat",
        "http://127.0.0.1:8000/abcd-efgh-ijkl",
        "meet.example.org/abcd-efgh-ijkl",
        "https://meet.example.org/abcd%20efgh%20ijkl",
    ],
)
def test_codes_and_links_normalize_to_the_canonical_code(text: str) -> None:
    assert normalize_slug(text) == "abcd-efgh-ijkl"


def test_longer_codes_normalize_in_groups_of_four() -> None:
    assert normalize_slug("ABCDEFGHIJKLMNOP") == "abcd-efgh-ijkl-mnop"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "abcd-efgh-ijk",  # 11 letters
        "abcd-efgh-ijklm",  # not whole groups
        "abcd-efgh-ijk1",
        "abcd-efgh-ijké",
        "abcd_efgh_ijkl",
        "abcd.efgh.ijkl",
        "../../etc/passwd",
        "https://meet.example.org/",
        "https://meet.example.org",
        "a" * 36,
        "abcd-" * 3000,
    ],
)
def test_malformed_codes_normalize_to_none(text: str) -> None:
    assert normalize_slug(text) is None


def test_meeting_url_uses_the_public_url(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, public_url="https://meet.example.org/")
    assert meeting_url(settings, "abcd-efgh-ijkl") == "https://meet.example.org/abcd-efgh-ijkl"


def test_meeting_url_falls_back_to_host_and_port(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, host="10.0.0.5", port=8080)
    assert meeting_url(settings, "abcd-efgh-ijkl") == "http://10.0.0.5:8080/abcd-efgh-ijkl"


def test_generated_codes_are_already_canonical(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, slug_letters=30)
    for _ in range(50):
        slug = generate_slug(settings)
        assert normalize_slug(slug) == slug
