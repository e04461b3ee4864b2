"""`callback_contradiction`: a 4–5 star WeChat rating on an order whose customer told an IVR or
manual callback they were dissatisfied. A manual call is a person's record and flags on its own;
an IVR keypress is often careless, so alone it stays below the default flag threshold."""
from __future__ import annotations

from app.fraud.detectors.base import CallbackFact, DetectorResult, RatingFacts, hhmm, iso

ID = "callback_contradiction"
CHANNEL_SCORE = {"manual": 0.8, "ivr": 0.55}
CHANNEL_ZH = {"manual": "人工回访", "ivr": "IVR 回访"}


def callback_contradiction(r: RatingFacts, callbacks: list[CallbackFact]) -> DetectorResult | None:
    if r.stars < 4:
        return None
    unhappy = [c for c in callbacks if c.result == "dissatisfied"]
    if not unhappy:
        return None
    strongest = max(unhappy, key=lambda c: (CHANNEL_SCORE.get(c.channel, 0.5), c.called_at))
    return DetectorResult(
        ID, CHANNEL_SCORE.get(strongest.channel, 0.5),
        f"微信评价 {r.stars} 星，但{CHANNEL_ZH.get(strongest.channel, strongest.channel)}"
        f"（{hhmm(strongest.called_at)}）中客户表示不满意。",
        f"The WeChat rating gives {r.stars} stars, but the customer said 'dissatisfied' to the "
        f"{strongest.channel} callback at {hhmm(strongest.called_at)}.",
        {"order_no": r.order_no, "stars": r.stars,
         "callbacks": [{"channel": c.channel, "result": c.result, "called_at": iso(c.called_at)}
                       for c in sorted(callbacks, key=lambda c: c.called_at)]})
