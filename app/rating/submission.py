"""Submitting a rating from a request: shared by the mini-program API and the H5 form so both
apply exactly the same rules, record the same facts and replay the same answers."""
from __future__ import annotations

from flask import current_app, request

from app.identity import service as identity
from app.identity.errors import InvalidUserToken
from app.identity.tokens import TokenClaims
from app.rating import service
from app.rating.schemas import RatingIn, RatingOut

IDEMPOTENCY_HEADER = "Idempotency-Key"
# Schemas hold no per-call state; building one deep-copies its fields, which on the busiest
# write path costs more than loading the body with it.
RATING_IN, RATING_OUT = RatingIn(), RatingOut()


def submit(*, rater: TokenClaims, data: dict, channel: str,
           idempotency_key: str | None) -> tuple[dict, int]:
    """Submit a rating once; a retry with the same Idempotency-Key gets the first answer.

    `rater`: the claims of the caller's token. The submission's own query refuses a revoked
    token; a stored answer is only replayed after the token is checked on its own.
    """
    fingerprint = service.request_fingerprint(data) if idempotency_key else None
    if idempotency_key:
        if identity.user_of_claims(rater) is None:
            raise InvalidUserToken()
        replay = service.find_replay(user_id=rater.user_id, key=idempotency_key,
                                     fingerprint=fingerprint)
        if replay is not None:
            return replay.body, replay.status
    config = current_app.config
    try:
        rating = service.submit_rating(
            rater=rater, channel=channel, window_days=config["RATING_WINDOW_DAYS"],
            catalogue=service.tag_catalogue(config.get("RATING_TAGS_FILE")),
            client_ip=request.remote_addr, user_agent=request.user_agent.string,
            recovery_hours=config["RECOVERY_DUE_HOURS"],
            presence_hours=config["PRESENCE_HOURS"], **data)
    except service.AlreadyRated:
        # A concurrent retry with the same key may have won the race: answer as it did. (Our
        # insert waited for the winner's commit and inserted nothing; its replay is visible.)
        if idempotency_key:
            replay = service.find_replay(user_id=rater.user_id, key=idempotency_key,
                                         fingerprint=fingerprint)
            if replay is not None:
                return replay.body, replay.status
        raise
    body = RATING_OUT.dump(rating)
    if idempotency_key:
        service.remember_answer(user_id=rater.user_id, key=idempotency_key,
                                fingerprint=fingerprint, status=201, body=body)
    return body, 201
