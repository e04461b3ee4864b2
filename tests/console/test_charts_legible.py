"""Charts at 100% zoom: every label at least 12 px, inside the chart (none clipped), drawn at
natural size, with a legend where the marks need words."""
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest

from app.console import charts

NS = "{http://www.w3.org/2000/svg}"
LONG = "城东第一装维班（光网改造专项）"
T0 = datetime(2026, 10, 26, 1, tzinfo=UTC)

SAMPLES = {
    "star_bars": lambda: charts.star_bars({"5": 120, "4": 30, "3": 8, "2": 2, "1": 1}),
    "line_chart": lambda: charts.line_chart([("10-26起", 0.82), ("11-02起", None),
                                             ("11-09起", 0.91), ("11-16起", 1.0)]),
    "hbars": lambda: charts.hbars([(LONG, 0.85, "85% · 均3.56★"), ("乙班", 0.4, "40% · 均4.90★")],
                                  title="班组参评率对比", legend="条长：参评率；右侧：参评率 · 平均星级"),
    "timeline": lambda: charts.timeline([(T0 + timedelta(minutes=i), f"账号A00{i} {LONG}", i % 2)
                                         for i in range(4)]),
    "columns": lambda: charts.columns([("<60", 1), ("60-80", 12), ("80-100", 40), ("≥100", 7),
                                       ("无得分", 0), (LONG, 3)], title="考核得分分布"),
    "diverging_stack": lambda: charts.diverging_stack(
        [(LONG, [3000.0, 1200.5], 300.0, "合计 3,900.50 元 · 12 人"), ("乙班", [10.0, 0.0], 0.0, "10.00 元")],
        segments=["装移机", "维护"], colours=["#0a6cd6", "#5aa33b"], title="班组酬金构成"),
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_labels_are_legible_and_inside(name):
    svg = ET.fromstring(str(SAMPLES[name]()))
    _, _, width, height = map(float, svg.get("viewBox").split())
    assert float(svg.get("width")) == width and float(svg.get("height")) == height
    texts = svg.findall(f".//{NS}text")
    assert texts
    for text in texts:
        size = float(text.get("font-size"))
        assert size >= 12, (name, text.text, size)
        drawn = charts.text_width(text.text or "", int(size))
        x, anchor = float(text.get("x")), text.get("text-anchor")
        start = x if anchor == "start" else x - drawn if anchor == "end" else x - drawn / 2
        assert -0.5 <= start and start + drawn <= width + 0.5, (name, text.text, start, drawn, width)
        assert 0 < float(text.get("y")) <= height, (name, text.text)


def test_charts_whose_marks_need_words_have_a_legend():
    for name in ("line_chart", "hbars", "diverging_stack"):
        svg = str(SAMPLES[name]())
        assert 'width="12" height="12"' in svg, name          # a key square before its words
