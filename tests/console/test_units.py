"""Pure parts of the console: evidence layout, charts, the default month, the demo's fraud."""
from datetime import datetime, timezone

from app.console import charts, evidence, pages

REASONS = [
    {"detector": "duplicate_comment", "score": 1.0, "weight": 0.75, "detail": "内容几乎相同",
     "evidence": {"accounts": ["A1", "A2"], "similarity": 0.95, "stock_phrase": False,
                  "ratings": [{"rating_id": 1, "account_no": "A1", "comment": "好<b>",
                               "rated_at": "2026-10-16T02:00:00Z"},
                              {"rating_id": 2, "account_no": "A2", "comment": "好",
                               "rated_at": "2026-10-16T02:02:00Z"}]}},
    {"detector": "burst", "score": 0.6, "weight": 0.7, "detail": "集中",
     "evidence": {"window_minutes": 2.0, "ratings": [
         {"rating_id": 1, "account_no": "A1", "rated_at": "2026-10-16T02:00:00Z"},
         {"rating_id": 2, "account_no": "A2", "rated_at": "2026-10-16T02:02:00Z"}]}},
]


def test_sections_pick_a_layout_per_detector_and_mark_the_current_rating():
    out = evidence.sections(REASONS, rating_id=2, tz_name="Asia/Shanghai")
    assert [s["layout"] for s in out] == ["comments", "timeline"]
    assert [r["current"] for r in out[0]["rows"]] == [False, True]
    assert out[0]["rows"][0]["rated_at_local"].hour == 10            # shown in local time
    assert ("相似度", "95%") in out[0]["facts"] and ("常见套话", "否") in out[0]["facts"]
    assert all(label != "accounts" for label, _ in out[0]["facts"])
    assert "10:02:00" in out[1]["chart"] and "<svg" in out[1]["chart"]
    assert evidence.contribution(out[1]) == 0.42


def test_charts_escape_labels_and_handle_empty_data():
    bars = charts.hbars([("<script>", 0.5, "50%")], title="t")
    assert "<script>" not in bars and "&lt;script&gt;" in bars
    assert "0 · 0%" in charts.star_bars({})
    line = charts.line_chart([("w1", None), ("w2", 0.5)])
    assert "50.0%" in line and line.count("<circle") == 1
    assert "无数据" in charts.timeline([])


def test_default_month_is_the_last_full_month_in_the_zone():
    # 2026-11-30 20:00 UTC is already December 1st in Shanghai.
    assert pages.default_month("Asia/Shanghai", datetime(2026, 11, 30, 20, tzinfo=timezone.utc)) == "2026-11"
    assert pages.default_month("UTC", datetime(2026, 11, 30, 20, tzinfo=timezone.utc)) == "2026-10"
