"""Badge tokens: short, opaque, signed strings naming (technician id, badge version).

A token is 26 characters of RFC 4648 base32 (A–Z, 2–7) over 16 bytes:

    mac = HMAC-SHA256(mac_key, id ‖ version)[:10]        80 bits: forging one is out of reach
    body = (id ‖ version) XOR HMAC-SHA256(mask_key, mac)[:6]
    token = base32(body ‖ mac)

Why this shape:
- 26 characters fit a mini-program code's `scene` (≤ 32, base32 is inside its alphabet) and keep the
  QR small: an upper-case base32 run is encoded in the QR's alphanumeric mode, denser than bytes.
- The id and version are masked with a key derived from the MAC (a synthetic IV), so the token
  reveals neither how many technicians there are nor how often a badge was rotated.
- Only the one canonical spelling decodes: the last base32 character carries two spare bits, and
  a token differing there would otherwise decode to the same bytes.

Both keys are derived from SECRET_KEY with a label, so this use of the secret cannot be confused
with any other. Changing SECRET_KEY invalidates every printed badge.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
from dataclasses import dataclass

TOKEN_LENGTH = 26
MAC_BYTES = 10
MAX_TECHNICIAN_ID = 2**32 - 1
MAX_VERSION = 2**16 - 1
_PAYLOAD = struct.Struct(">IH")     # technician id (uint32), badge version (uint16)
_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_ALPHABET = frozenset(_BASE32)
# 128 bits fill 25 characters and 3 bits of the 26th; its 2 low bits must be zero.
_SPARE_BITS_SET = {char: index & 0b11 != 0 for index, char in enumerate(_BASE32)}


@dataclass(frozen=True)
class TokenKeys:
    mac: bytes
    mask: bytes


@dataclass(frozen=True)
class BadgeRef:
    """What a genuine token names; whether it is still current is the service's question."""

    technician_id: int
    version: int


def derive_keys(secret: str | bytes) -> TokenKeys:
    secret = secret.encode() if isinstance(secret, str) else secret
    return TokenKeys(
        mac=hmac.new(secret, b"badge-token/mac/v1", hashlib.sha256).digest(),
        mask=hmac.new(secret, b"badge-token/mask/v1", hashlib.sha256).digest(),
    )


def _mac(keys: TokenKeys, payload: bytes) -> bytes:
    return hmac.digest(keys.mac, payload, "sha256")[:MAC_BYTES]


def _mask(keys: TokenKeys, mac: bytes) -> bytes:
    return hmac.digest(keys.mask, mac, "sha256")[:_PAYLOAD.size]


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def encode_token(keys: TokenKeys, *, technician_id: int, version: int) -> str:
    if not 0 < technician_id <= MAX_TECHNICIAN_ID:
        raise ValueError(f"technician id out of range: {technician_id}")
    if not 0 < version <= MAX_VERSION:
        raise ValueError(f"badge version out of range: {version}")
    payload = _PAYLOAD.pack(technician_id, version)
    mac = _mac(keys, payload)
    raw = _xor(payload, _mask(keys, mac)) + mac
    return base64.b32encode(raw).decode("ascii").rstrip("=")


def decode_token(keys: TokenKeys, token: str) -> BadgeRef | None:
    """The badge a genuine token names, or None for anything forged, altered or malformed."""
    if len(token) != TOKEN_LENGTH or not _ALPHABET.issuperset(token):
        return None
    if _SPARE_BITS_SET[token[-1]]:
        return None     # a non-canonical spelling of some genuine token's bytes
    try:
        raw = base64.b32decode(token + "=" * 6)
    except binascii.Error:
        return None
    body, mac = raw[:_PAYLOAD.size], raw[_PAYLOAD.size:]
    payload = _xor(body, _mask(keys, mac))
    if not hmac.compare_digest(mac, _mac(keys, payload)):
        return None
    technician_id, version = _PAYLOAD.unpack(payload)
    if technician_id == 0 or version == 0:
        return None
    return BadgeRef(technician_id=technician_id, version=version)
