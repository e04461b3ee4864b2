"""The simulator's in-memory platform: apps, codes, tokens, QR tickets, sent messages, faults.

Codes behave like the real ones: single use, valid 5 minutes. Besides minted codes, a code spelled
`demo:<who>` (any suffix `:<anything>` makes a fresh one) stands for the demo person `<who>`, and
`phone:<digits>` for that phone number — so a newcomer needs no setup (docs/wechat.md).
"""
from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

CODE_TTL = 300
TOKEN_TTL = 7200


@dataclass
class App:
    appid: str
    secret: str
    tag: str   # "mp" | "oa": part of the simulated openid, so one person has one openid per app


@dataclass
class Code:
    kind: str                 # login | phone | oauth
    appid: str | None
    openid: str | None = None
    unionid: str | None = None
    phone: str | None = None
    scope: str = "snsapi_base"
    created: float = 0.0
    used: bool = False


@dataclass
class Fault:
    errcode: int | None       # None: answer normally (after the delay)
    errmsg: str
    times: int
    delay: float = 0.0        # seconds to wait before answering (a slow platform)


@dataclass
class State:
    apps: dict[str, App] = field(default_factory=dict)
    codes: dict[str, Code] = field(default_factory=dict)
    tokens: dict[str, tuple[str, float]] = field(default_factory=dict)       # token → appid, expiry
    oauth_tokens: dict[str, tuple[str, str, str | None, float]] = field(default_factory=dict)
    tickets: dict[str, str] = field(default_factory=dict)                    # ticket → scene_str
    messages: list[dict] = field(default_factory=list)
    faults: dict[str, list[Fault]] = field(default_factory=dict)            # path → queued faults
    calls: dict[str, int] = field(default_factory=dict)
    clock_offset: float = 0.0
    lock: threading.RLock = field(default_factory=threading.RLock)

    def now(self) -> float:
        return time.time() + self.clock_offset

    # -- people ---------------------------------------------------------------------------
    def openid_for(self, appid: str, who: str) -> str:
        tag = self.apps[appid].tag if appid in self.apps else "xx"
        return f"o{tag}_{who}"

    @staticmethod
    def unionid_for(who: str) -> str:
        return f"un_{who}"

    # -- codes ----------------------------------------------------------------------------
    def mint(self, **kw) -> str:
        code = "sim_" + secrets.token_urlsafe(12)
        with self.lock:
            self.codes[code] = Code(created=self.now(), **kw)
        return code

    def take_code(self, value: str, kind: str, appid: str | None) -> tuple[Code | None, int]:
        """The code and 0, or None and the errcode WeChat answers (40029 invalid, 40163 used)."""
        with self.lock:
            code = self.codes.get(value) or self._magic(value, kind, appid)
            if code is None or code.kind != kind or (code.appid and appid and code.appid != appid):
                return None, 40029
            if code.used:
                return None, 40163
            if self.now() - code.created > CODE_TTL:
                return None, 40029
            code.used = True
            return code, 0

    def _magic(self, value: str, kind: str, appid: str | None) -> Code | None:
        parts = value.split(":")
        if kind in ("login", "oauth") and parts[0] == "demo" and len(parts) >= 2 and parts[1]:
            who = parts[1]
            code = Code(kind=kind, appid=appid, openid=self.openid_for(appid, who),
                        unionid=self.unionid_for(who), created=self.now())
        elif kind == "phone" and parts[0] == "phone" and len(parts) >= 2 and parts[1].isdigit():
            code = Code(kind="phone", appid=appid, phone=parts[1], created=self.now())
        else:
            return None
        self.codes[value] = code
        return code

    # -- tokens ---------------------------------------------------------------------------
    def issue_token(self, appid: str) -> str:
        token = "simtok_" + secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[token] = (appid, self.now() + TOKEN_TTL)
        return token

    def check_token(self, token: str | None) -> tuple[str | None, int]:
        """(appid, 0) or (None, 40001 invalid | 42001 expired)."""
        entry = self.tokens.get(token or "")
        if entry is None:
            return None, 40001
        appid, expires = entry
        if expires <= self.now():
            return None, 42001
        return appid, 0

    def expire_tokens(self, appid: str | None = None) -> int:
        with self.lock:
            hit = [t for t, (a, _) in self.tokens.items() if appid in (None, a)]
            for token in hit:
                self.tokens[token] = (self.tokens[token][0], 0.0)
            return len(hit)

    # -- faults ---------------------------------------------------------------------------
    def add_fault(self, path: str, errcode: int | None, errmsg: str, times: int = 1,
                  delay: float = 0.0) -> None:
        with self.lock:
            self.faults.setdefault(path.strip("/"), []).append(
                Fault(errcode, errmsg, times, delay))

    def next_fault(self, path: str) -> Fault | None:
        with self.lock:
            self.calls[path] = self.calls.get(path, 0) + 1
            queue = self.faults.get(path)
            if not queue:
                return None
            fault = queue[0]
            fault.times -= 1
            if fault.times <= 0:
                queue.pop(0)
            return fault
