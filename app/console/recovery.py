"""What a team leader needs on a recovery task before calling the customer (pure shaping, plus
the one read of the tasks' ratings): stars, tags, comment, masked phone, the time left."""
from __future__ import annotations

from datetime import datetime

from app.masking import mask_phone
from app.rating import service as rating_service

# How a task is closed: the category starts the stored note ("已致歉：客户接受"), so reports and
# people read the same words.
OUTCOMES = {"apologised": "已联系客户致歉", "revisited": "已上门复修", "explained": "已解释，客户认可",
            "unreachable": "多次联系未接通", "mistaken": "客户误评/非本人评价", "other": "其他"}


def time_left(due_at: datetime, now: datetime, status: str) -> tuple[str, str]:
    """(words, tone) of the SLA: "剩余 5 小时" / "超期 1 天 3 小时"; closed tasks say nothing."""
    if status == "closed":
        return "", ""
    minutes = int((due_at - now).total_seconds() // 60)
    late = minutes < 0
    minutes = abs(minutes)
    days, hours, mins = minutes // 1440, minutes % 1440 // 60, minutes % 60
    parts = ([f"{days} 天"] if days else []) + ([f"{hours} 小时"] if hours else [])
    text = " ".join(parts[:2]) or f"{mins} 分钟"
    if late:
        return f"超期 {text}", "bad"
    return f"剩余 {text}", "warn" if minutes < 240 else "ok"


def task_cards(tasks, *, now: datetime, tags) -> list[dict]:
    """The page's tasks with the customer's words and the clock."""
    ratings = rating_service.ratings_of_orders([t.order_id for t in tasks])
    labels = {tag.code: tag for tag in tags}
    cards = []
    for task in tasks:
        rating = ratings.get(task.order_id)
        words, tone = time_left(task.due_at, now, task.status)
        cards.append({
            "task": task, "order_no": task.order.order_no, "rating": rating,
            "tags": [(labels[c].label if c in labels else c,
                      labels[c].polarity == "negative" if c in labels else False)
                     for c in (rating.tags if rating else [])],
            "phone": mask_phone(task.order.account.phone), "sla": words, "sla_tone": tone,
        })
    return cards


def closing_note(outcome: str, note: str) -> str:
    """The stored note of a closed task: its category, then what the leader wrote."""
    label = OUTCOMES[outcome]
    return f"{label}：{note}" if note else label
