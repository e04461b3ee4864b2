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
- `seal`/`unseal` are shared with the live badge (live.py), which seals a longer payload under
  keys of its own purpose.

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
_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


@dataclass(frozen=True)
class TokenKeys:
    mac: bytes
    mask: bytes


@dataclass(frozen=True)
class BadgeRef:
    """What a genuine token names; whether it is still current is the service's question."""

    technician_id: int
    version: int


def derive_keys(secret: str | bytes, purpose: bytes = b"badge-token") -> TokenKeys:
    """The MAC and mask keys for tokens of one `purpose`: one secret, keys that never meet."""
    secret = secret.encode() if isinstance(secret, str) else secret
    return TokenKeys(
        mac=hmac.new(secret, purpose + b"/mac/v1", hashlib.sha256).digest(),
        mask=hmac.new(secret, purpose + b"/mask/v1", hashlib.sha256).digest(),
    )


def _mac(keys: TokenKeys, payload: bytes) -> bytes:
    return hmac.digest(keys.mac, payload, "sha256")[:MAC_BYTES]


def _mask(keys: TokenKeys, mac: bytes, size: int) -> bytes:
    return hmac.digest(keys.mask, mac, "sha256")[:size]


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def encoded_length(payload_size: int) -> int:
    """Characters of a sealed token over `payload_size` bytes (base32, no padding)."""
    return -(-(payload_size + MAC_BYTES) * 8 // 5)


def seal(keys: TokenKeys, payload: bytes) -> str:
    """`payload` masked and MAC'd: base32(payload XOR mask(mac) ‖ mac)."""
    mac = _mac(keys, payload)
    raw = _xor(payload, _mask(keys, mac, len(payload))) + mac
    return base64.b32encode(raw).decode("ascii").rstrip("=")


def unseal(keys: TokenKeys, token: str, payload_size: int) -> bytes | None:
    """The payload of a genuine token sealed with `keys`, or None for anything else."""
    if len(token) != encoded_length(payload_size) or not _ALPHABET.issuperset(token):
        return None
    try:
        raw = base64.b32decode(token + "=" * (-len(token) % 8))
    except binascii.Error:
        return None
    if base64.b32encode(raw).decode("ascii").rstrip("=") != token:
        return None     # spare low bits set: a non-canonical spelling of some genuine token
    body, mac = raw[:payload_size], raw[payload_size:]
    payload = _xor(body, _mask(keys, mac, payload_size))
    if not hmac.compare_digest(mac, _mac(keys, payload)):
        return None
    return payload


def encode_token(keys: TokenKeys, *, technician_id: int, version: int) -> str:
    if not 0 < technician_id <= MAX_TECHNICIAN_ID:
        raise ValueError(f"technician id out of range: {technician_id}")
    if not 0 < version <= MAX_VERSION:
        raise ValueError(f"badge version out of range: {version}")
    return seal(keys, _PAYLOAD.pack(technician_id, version))


def decode_token(keys: TokenKeys, token: str) -> BadgeRef | None:
    """The badge a genuine token names, or None for anything forged, altered or malformed."""
    payload = unseal(keys, token, _PAYLOAD.size)
    if payload is None:
        return None
    technician_id, version = _PAYLOAD.unpack(payload)
    if technician_id == 0 or version == 0:
        return None
    return BadgeRef(technician_id=technician_id, version=version)
