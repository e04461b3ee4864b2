"""Helpers for tests of the pages people read: what a browser sends, what a person sees."""
from __future__ import annotations

import re
from html import unescape

# What a phone's browser sends on a page load (WeChat's in-app browser sends the same Accept).
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
           "User-Agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) "
                         "AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 "
                         "MicroMessenger/8.0.50"}
_HIDDEN = re.compile(r"<(script|style)\b.*?</\1>", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")


def visible_text(html: str) -> str:
    """The words on the page, as a person reads them (no markup, scripts or styles)."""
    return re.sub(r"\s+", " ", unescape(_TAG.sub(" ", _HIDDEN.sub(" ", html)))).strip()


def english_words(html: str, allowed: tuple[str, ...] = ()) -> list[str]:
    """Latin words of three letters or more a person would see (ids and codes excluded)."""
    return [w for w in re.findall(r"[A-Za-z]{3,}", visible_text(html)) if w not in allowed]


def assert_customer_page(html: str, allowed: tuple[str, ...] = ()) -> None:
    """Chinese only, and a way on: the hotline (a tel: link) is on every customer page."""
    assert english_words(html, allowed) == [], english_words(html, allowed)
    assert 'href="tel:' in html


def session_csrf(client) -> str:
    """The session's CSRF token, for a POST from a page that shows no form."""
    with client.session_transaction() as session:
        return session.setdefault("csrf", "test-csrf-token")
