"""Submitting a rating from a request: shared by the mini-program API and the H5 form so both
apply exactly the same rules, record the same facts and replay the same answers."""
from __future__ import annotations

from flask import current_app, request

from app.rating import service
from app.rating.schemas import RatingOut

IDEMPOTENCY_HEADER = "Idempotency-Key"


# Which WeChat app's openid identifies the rater on each channel.
CHANNEL_APP = {"miniprogram": "mp", "h5": "oa", "sms_link": "oa"}


def _openid(user, channel: str) -> str | None:
    wanted = CHANNEL_APP[channel]
    return next((i.openid for i in user.identities if i.app == wanted), None)


def submit(*, user, data: dict, channel: str, idempotency_key: str | None) -> tuple[dict, int]:
    """Submit a rating once; a retry with the same Idempotency-Key gets the first answer."""
    fingerprint = service.request_fingerprint(data)
    if idempotency_key:
        replay = service.find_replay(user_id=user.id, key=idempotency_key, fingerprint=fingerprint)
        if replay is not None:
            return replay.body, replay.status
    config = current_app.config
    try:
        rating = service.submit_rating(
            rater=user, channel=channel, window_days=config["RATING_WINDOW_DAYS"],
            catalogue=service.tag_catalogue(config.get("RATING_TAGS_FILE")),
            openid=_openid(user, channel), client_ip=request.remote_addr,
            user_agent=request.user_agent.string, recovery_hours=config["RECOVERY_DUE_HOURS"],
            **data)
    except service.AlreadyRated:
        # A concurrent retry with the same key may have won the race: answer as it did. (Our
        # failed insert was rolled back to its savepoint; the winner's rows are committed.)
        if idempotency_key:
            replay = service.find_replay(user_id=user.id, key=idempotency_key,
                                         fingerprint=fingerprint)
            if replay is not None:
                return replay.body, replay.status
        raise
    body = RatingOut().dump(rating)
    if idempotency_key:
        service.remember_answer(user_id=user.id, key=idempotency_key, fingerprint=fingerprint,
                                status=201, body=body)
    return body, 201
