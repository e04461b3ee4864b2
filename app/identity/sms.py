"""Sending SMS: one small interface, a logging backend for development, an HTTP provider adapter.

Backends get plain values and are called from a task after the database commit (STYLE: side
effects last); a backend that fails raises, and the task is retried.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import requests
from flask import current_app

from app.masking import mask_phone

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sms:
    phone: str
    text: str


class LogSmsBackend:
    """Development: the message goes to the log (code included), nowhere else."""

    def __init__(self):
        self.outbox: list[Sms] = []   # the last messages, for a developer's shell and for tests

    def send(self, sms: Sms) -> None:
        self.outbox = (self.outbox + [sms])[-50:]
        log.warning("SMS (not sent, log backend) to %s: %s", mask_phone(sms.phone), sms.text)


class HttpSmsBackend:
    """Production: POST {"phone", "text", "sign"} as JSON to the operator's SMS gateway."""

    def __init__(self, url: str, token: str | None, sign_name: str, timeout=(3, 5)):
        self.url, self.token, self.sign_name, self.timeout = url, token, sign_name, timeout

    def send(self, sms: Sms) -> None:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            response = requests.post(self.url, json={"phone": sms.phone, "text": sms.text,
                                                     "sign": self.sign_name},
                                     headers=headers, timeout=self.timeout)
            response.raise_for_status()
        except requests.RequestException as exc:
            # Sent from a task (app/tasks/jobs.py): raising makes the queue retry with backoff.
            log.warning("SMS provider refused", extra={"phone": mask_phone(sms.phone),
                                                       "error": type(exc).__name__})
            raise


def get_sms_backend():
    app = current_app._get_current_object()
    backend = app.extensions.get("sms_backend")
    if backend is None:
        kind = app.config["SMS_BACKEND"]
        if kind == "log":
            backend = LogSmsBackend()
        elif kind == "http":
            if not app.config.get("SMS_HTTP_URL"):
                raise RuntimeError("SMS_BACKEND=http needs SMS_HTTP_URL")
            backend = HttpSmsBackend(app.config["SMS_HTTP_URL"], app.config.get("SMS_HTTP_TOKEN"),
                                     app.config["SMS_SIGN_NAME"])
        else:
            raise RuntimeError(f"unknown SMS_BACKEND {kind!r}")
        app.extensions["sms_backend"] = backend
    return backend
