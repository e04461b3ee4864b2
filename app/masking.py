"""Masking of personal data in customer-facing answers. Pure functions: text in, text out."""
from __future__ import annotations

import hashlib
import hmac
import re

_FIRST_DIGIT = re.compile(r"\d")


def mask_phone(phone: str | None) -> str:
    """13800000001 → 138****0001."""
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}"


def mask_account_no(account_no: str | None) -> str:
    """03522000012 → 035****012: enough for the holder to recognise, useless to anyone else."""
    if not account_no:
        return ""
    if len(account_no) <= 6:
        return account_no[:1] + "*" * (len(account_no) - 1)
    return f"{account_no[:3]}****{account_no[-3:]}"


def mask_address(address: str | None) -> str:
    """Keep the district and street, hide the house number: 城区迎宾街12号3栋 → 城区迎宾街****."""
    if not address:
        return ""
    match = _FIRST_DIGIT.search(address)
    keep = match.start() if match else min(len(address) // 2, 8)
    keep = min(keep, max(len(address) - 2, 0))  # never show a whole short address
    return address[:keep] + "****"


def mask_name(name: str | None) -> str:
    """张三丰 → 张**."""
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)


# Mobile number prefixes of the three operators, for stand-ins that look like any other number.
_MOBILE_PREFIXES = ("130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150",
                    "151", "152", "153", "155", "156", "157", "158", "159", "166", "173", "177",
                    "180", "181", "182", "183", "185", "186", "187", "188", "189", "191", "199")


def stand_in_masked_phone(secret: str, key: str) -> str:
    """A masked mobile number (`138****2959`) derived from `key` with an HMAC: the same for the
    same key every time, unpredictable without the secret. Shown where a real number would be
    for something that does not exist, so the page does not tell."""
    digest = hmac.new(secret.encode(), f"stand-in-phone:{key}".encode(), hashlib.sha256).digest()
    number = int.from_bytes(digest[:8], "big")
    prefix = _MOBILE_PREFIXES[number % len(_MOBILE_PREFIXES)]
    return f"{prefix}****{(number // len(_MOBILE_PREFIXES)) % 10000:04d}"
