"""The tag catalogue (SPEC flow 3). Configurable: set RATING_TAGS_FILE to a JSON list of
`{"code", "label", "polarity", "stars"}` to replace these defaults."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Tag:
    code: str
    label: str
    polarity: str            # positive | negative
    stars: tuple[int, ...]


POSITIVE_STARS = (4, 5)
NEGATIVE_STARS = (1, 2, 3)

DEFAULT_TAGS = (
    Tag("on_time", "准时上门", "positive", POSITIVE_STARS),
    Tag("uniform", "穿戴工装鞋套", "positive", POSITIVE_STARS),
    Tag("professional", "专业高效", "positive", POSITIVE_STARS),
    Tag("explained_usage", "讲解使用方法", "positive", POSITIVE_STARS),
    Tag("cleaned_up", "清理现场", "positive", POSITIVE_STARS),
    Tag("friendly", "态度热情", "positive", POSITIVE_STARS),
    Tag("missed_appointment", "未按约上门", "negative", NEGATIVE_STARS),
    Tag("rude", "态度差", "negative", NEGATIVE_STARS),
    Tag("unresolved", "问题未解决", "negative", NEGATIVE_STARS),
    Tag("extra_charge", "私自收费", "negative", NEGATIVE_STARS),
    Tag("solicited_praise", "诱导好评", "negative", NEGATIVE_STARS),
    Tag("left_mess", "未清理现场", "negative", NEGATIVE_STARS),
)


@lru_cache(maxsize=4)
def load_catalogue(path: str | None) -> tuple[Tag, ...]:
    if not path:
        return DEFAULT_TAGS
    with open(path, encoding="utf-8") as f:
        items = json.load(f)
    return tuple(Tag(i["code"], i["label"], i["polarity"], tuple(i["stars"])) for i in items)


def tag_stars(catalogue: tuple[Tag, ...]) -> dict[str, tuple[int, ...]]:
    return {tag.code: tag.stars for tag in catalogue}
