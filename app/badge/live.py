"""Live badge tokens (在场扫码): a token that changes every step and stops working a step later.
Pure functions of (keys, token, time); the service (presence.py) adds the database and the clock.

A live token is 32 characters of base32 over 20 bytes, sealed like the static badge token
(tokens.seal) but under keys of its own purpose:

    step  = floor(unix time / STEP)                       STEP = LIVE_BADGE_STEP_SECONDS (30)
    mac   = HMAC-SHA256(live_mac_key, id ‖ version ‖ step)[:10]
    token = base32((id ‖ version ‖ step) XOR HMAC-SHA256(live_mask_key, mac)[:10] ‖ mac)

Why this shape:
- 32 characters: a mini-program code's `scene` holds at most 32, and base32 stays in the QR's
  alphanumeric mode. The static token has 26, so the length alone tells the two apart.
- The keys are derived with the purpose `badge-live` (or from LIVE_BADGE_SECRET), never those of
  the printed badge: the static token, or any number of older live tokens, give nothing that signs
  a new one; the step is under the MAC, so an old token cannot be moved to a later step.
- The whole step (uint32: until the year 6053 at 30 s) is in the token, so an expired genuine
  token is recognisably expired (410 "refresh the badge") rather than unknown (404).

Which steps are accepted at time t, with cur = floor(t / STEP):

    cur - 1  ≤  step  ≤  floor((t + AHEAD) / STEP)          AHEAD = 2 × LIVE_BADGE_SKEW_SECONDS

- The current and the previous step: a phone that fetched a token at the start of a step and then
  lost its network keeps a working code for one more step.
- Never older than that, whatever the skew: a token two steps old, or a screenshot opened 90 s
  later, is refused at every phase of the step.
- Steps up to AHEAD seconds in the future: each server's clock may be LIVE_BADGE_SKEW_SECONDS off,
  so the server that minted a token may be up to twice that ahead of the one that checks it. A
  server that lags instead mints tokens that look older elsewhere; they still pass (as the
  previous step) and only lose up to AHEAD seconds of their life, which is why STEP must stay well
  above AHEAD (AHEAD is capped at STEP - 1). On one clock a token fetched at the start of its step
  works 60 s; the phone shows it 30 s and keeps it 30 s more only when offline.
"""
from __future__ import annotations

import math
import struct
from dataclasses import dataclass

from app.badge.tokens import MAX_TECHNICIAN_ID, MAX_VERSION, BadgeRef, TokenKeys, derive_keys, \
    encoded_length, seal, unseal

PURPOSE = b"badge-live"
_PAYLOAD = struct.Struct(">IHI")     # technician id (uint32), badge version (uint16), step (uint32)
LIVE_TOKEN_LENGTH = encoded_length(_PAYLOAD.size)
MAX_STEP = 2**32 - 1


@dataclass(frozen=True)
class LiveRef:
    """What a genuine live token names: the badge it stands for and the step it was minted in."""

    technician_id: int
    version: int
    step: int

    @property
    def badge(self) -> BadgeRef:
        return BadgeRef(self.technician_id, self.version)


@dataclass(frozen=True)
class LiveSettings:
    step_seconds: int = 30
    ahead_seconds: int = 20     # 2 × the clock error allowed to each server


def derive_live_keys(secret: str | bytes) -> TokenKeys:
    return derive_keys(secret, PURPOSE)


def is_live_token(token: str) -> bool:
    """Whether `token` has a live token's shape (a static badge token is shorter)."""
    return len(token) == LIVE_TOKEN_LENGTH


def step_at(at: float, settings: LiveSettings) -> int:
    return math.floor(at / settings.step_seconds)


def encode_live_token(keys: TokenKeys, *, technician_id: int, version: int, step: int) -> str:
    if not 0 < technician_id <= MAX_TECHNICIAN_ID:
        raise ValueError(f"technician id out of range: {technician_id}")
    if not 0 < version <= MAX_VERSION:
        raise ValueError(f"badge version out of range: {version}")
    if not 0 <= step <= MAX_STEP:
        raise ValueError(f"step out of range: {step}")
    return seal(keys, _PAYLOAD.pack(technician_id, version, step))


def decode_live_token(keys: TokenKeys, token: str) -> LiveRef | None:
    """The badge and step a genuine live token names, or None for anything forged or malformed.
    Whether the step is still accepted is `accepted`'s question."""
    payload = unseal(keys, token, _PAYLOAD.size)
    if payload is None:
        return None
    technician_id, version, step = _PAYLOAD.unpack(payload)
    if technician_id == 0 or version == 0:
        return None
    return LiveRef(technician_id=technician_id, version=version, step=step)


def accepted(step: int, at: float, settings: LiveSettings) -> bool:
    """Whether a token of `step` is accepted at `at` (see the module docstring)."""
    return step_at(at, settings) - 1 <= step <= step_at(at + settings.ahead_seconds, settings)


def seconds_to_next_step(at: float, settings: LiveSettings) -> float:
    """How long the token minted at `at` stays the newest one (when a phone should fetch again)."""
    return (step_at(at, settings) + 1) * settings.step_seconds - at


def seconds_accepted(step: int, at: float, settings: LiveSettings) -> float:
    """How much longer a token of `step` is accepted by a server whose clock reads `at`."""
    return max(0.0, (step + 2) * settings.step_seconds - at)
