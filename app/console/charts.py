"""Small inline SVG charts drawn on the server: no script, no CDN, readable without colour.

Each function takes plain values and returns SVG markup (Markup, labels escaped) drawn at its
natural size (one unit = one CSS pixel), so labels stay at least MIN_FONT px at 100% zoom; a panel
narrower than a chart scrolls it sideways instead of shrinking it. Every label is kept inside the
chart (long ones are shortened with …), and charts whose marks need words carry a legend.
"""
from __future__ import annotations

import unicodedata
from datetime import datetime

from markupsafe import Markup, escape

MIN_FONT = 12
INK, MUTED, GRID = "#1f2328", "#5f6b76", "#e3e8ee"
BRAND, WARN, BAD = "#0a6cd6", "#c77700", "#c62828"
STAR_COLOURS = {1: BAD, 2: "#e0662d", 3: "#c9a100", 4: "#5aa33b", 5: "#1a7f37"}


def text_width(text: str, size: int = MIN_FONT) -> float:
    """About how wide `text` is drawn: a CJK character is one em, other characters 0.6 em."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.62 for ch in str(text)) * size


def _fit(text: str, room: float, size: int = MIN_FONT) -> str:
    """`text`, shortened with … to fit `room` px."""
    text = str(text)
    while text and text_width(text, size) > room:
        text = text[:-2] + "…" if len(text) > 1 else ""
    return text


def _legend(items: list[tuple[str, str]], y: float = 16) -> list[str]:
    """A row of (colour, words) keys at the top of a chart."""
    body, x = [], 10.0
    for colour, words in items:
        body.append(f'<rect x="{x:.1f}" y="{y - 11}" width="12" height="12" rx="2" '
                    f'fill="{colour}"/>')
        body.append(_text(x + 16, y, words, anchor="start", colour=INK))
        x += 16 + text_width(words) + 16
    return body


def _svg(width: int, height: int, body: list[str], title: str) -> Markup:
    width, height = int(round(width)), int(round(height))
    return Markup(
        f'<svg class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
        f'<title>{escape(title)}</title>{"".join(body)}</svg>')


def _text(x: float, y: float, text, *, anchor: str = "middle", size: int = MIN_FONT,
          colour: str = MUTED, weight: str = "normal") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
            f'fill="{colour}" font-weight="{weight}">{escape(text)}</text>')


def _grid(left: float, right: float, top: float, plot_h: float, tick) -> list[str]:
    """Five horizontal grid lines over a plot, each labelled on the left by `tick(fraction)`."""
    body = []
    for frac in (0, 0.25, 0.5, 0.75, 1.0):
        y = top + plot_h * (1 - frac)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" stroke="{GRID}"/>')
        body.append(_text(left - 6, y + 4, tick(frac), anchor="end"))
    return body


def star_bars(counts: dict[str, int], *, title: str = "星级分布") -> Markup:
    """Vertical bars of orders per effective star, 5★ first."""
    width, height, top, bottom = 420, 200, 24, 28
    stars = [5, 4, 3, 2, 1]
    values = [int(counts.get(str(s), 0)) for s in stars]
    total = sum(values) or 1
    peak = max(values) or 1
    slot = (width - 20) / len(stars)
    body = [f'<line x1="10" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" '
            f'stroke="{GRID}"/>']
    for i, (star, value) in enumerate(zip(stars, values)):
        h = (height - top - bottom) * value / peak
        x = 10 + i * slot + slot * 0.18
        y = height - bottom - h
        body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.64:.1f}" height="{h:.1f}" '
                    f'rx="3" fill="{STAR_COLOURS[star]}"><title>{star}星 {value} 单</title></rect>')
        body.append(_text(x + slot * 0.32, y - 6, f"{value} · {value / total:.0%}", colour=INK))
        body.append(_text(x + slot * 0.32, height - 10, f"{star}★", size=13, colour=INK))
    return _svg(width, height, body, title)


def line_chart(points: list[tuple[str, float | None]], *, title: str = "参评率",
               percent: bool = True) -> Markup:
    """A line over labelled points (values 0..1 when `percent`); None leaves a gap."""
    width, height, left, right, top, bottom = 560, 230, 46, 30, 46, 30
    known = [v for _, v in points if v is not None]
    peak = 1.0 if percent else (max(known) if known else 1.0) or 1.0
    plot_w, plot_h = width - left - right, height - top - bottom
    body = _grid(left, width - right, top, plot_h,
                 lambda frac: f"{frac * peak:.0%}" if percent else f"{frac * peak:g}")
    body += _legend([(BRAND, title)])
    step = plot_w / max(1, len(points) - 1) if len(points) > 1 else 0
    coords = []
    for i, (label, value) in enumerate(points):
        x = left + (i * step if len(points) > 1 else plot_w / 2)
        half = text_width(label) / 2
        anchor = "start" if x - half < 2 else "end" if x + half > width - 2 else "middle"
        label_x = 2 if anchor == "start" else width - 2 if anchor == "end" else x
        body.append(_text(label_x, height - 10, label, anchor=anchor))
        if value is None:
            coords.append(None)
            continue
        y = top + plot_h * (1 - value / peak)
        coords.append((x, y))
        shown = f"{value:.1%}" if percent else f"{value:g}"
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{BRAND}">'
                    f'<title>{escape(label)}: {shown}</title></circle>')
        half = text_width(shown) / 2
        body.append(_text(min(max(x, half + 2), width - half - 2), y - 9, shown, colour=INK))
    path, pen_down = [], False
    for c in coords:
        if c is None:
            pen_down = False
            continue
        path.append(f'{"L" if pen_down else "M"}{c[0]:.1f},{c[1]:.1f}')
        pen_down = True
    if path:
        body.insert(0, f'<path d="{" ".join(path)}" fill="none" stroke="{BRAND}" '
                       f'stroke-width="2.5"/>')
    return _svg(width, height, body, title)


def hbars(rows: list[tuple[str, float | None, str]], *, title: str, percent: bool = True,
          scale: float | None = None, legend: str | None = None) -> Markup:
    """Horizontal bars: (label, value, note shown at the bar's end); `legend` says what the bar
    and the note are."""
    row_h, left, plot_w = 26, 140, 300
    top = 24 if legend else 0
    note_room = max((text_width(note) for _, _, note in rows), default=0) + 14
    width = left + plot_w + note_room
    height = top + row_h * len(rows) + 10
    known = [v for _, v, _ in rows if v is not None]
    peak = scale or (1.0 if percent else (max(known) if known else 1.0)) or 1.0
    body = _legend([(BRAND, legend)]) if legend else []
    for i, (label, value, note) in enumerate(rows):
        y = top + 5 + i * row_h
        body.append(_text(left - 8, y + 17, _fit(label, left - 12), anchor="end", colour=INK))
        w = plot_w * (value or 0) / peak
        body.append(f'<rect x="{left}" y="{y + 4}" width="{plot_w}" height="{row_h - 10}" '
                    f'rx="3" fill="{GRID}"/>')
        body.append(f'<rect x="{left}" y="{y + 4}" width="{max(0.0, w):.1f}" '
                    f'height="{row_h - 10}" rx="3" fill="{BRAND}"/>')
        body.append(_text(left + plot_w + 6, y + 17, note, anchor="start", colour=INK))
    return _svg(width, max(height, 30), body, title)


def timeline(events: list[tuple[datetime, str, bool]], *, title: str = "时间线") -> Markup:
    """Moments on one axis (e.g. a burst of ratings): (when, label, highlighted)."""
    width, height, left, right = 640, 40 + 22 * max(1, len(events)), 20, 160
    if not events:
        return _svg(width, 40, [_text(width / 2, 24, "无数据")], title)
    ordered = sorted(events, key=lambda e: e[0])
    first, last = ordered[0][0], ordered[-1][0]
    span = max(1.0, (last - first).total_seconds())
    plot_w = width - left - right
    axis_y = height - 18
    body = [f'<line x1="{left}" y1="{axis_y}" x2="{left + plot_w}" y2="{axis_y}" stroke="{MUTED}"/>',
            _text(left, height - 2, first.strftime("%m-%d %H:%M"), anchor="start", size=MIN_FONT),
            _text(left + plot_w, height - 2, last.strftime("%H:%M"), anchor="end", size=MIN_FONT)]
    for i, (when, label, hot) in enumerate(ordered):
        x = left + plot_w * (when - first).total_seconds() / span
        y = 14 + i * 22
        colour = BAD if hot else BRAND
        body.append(f'<line x1="{x:.1f}" y1="{y + 4}" x2="{x:.1f}" y2="{axis_y}" '
                    f'stroke="{colour}" stroke-dasharray="2 3"/>')
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{colour}"/>')
        body.append(_text(left + plot_w + 8, y + 4, _fit(f"{when:%H:%M:%S} {label}", right - 10),
                          anchor="start",
                          colour=colour if hot else INK, weight="bold" if hot else "normal"))
    return _svg(width, height, body, title)


def columns(values: list[tuple[str, int]], *, title: str, colours: list[str] | None = None) -> Markup:
    """Vertical bars of counts over labelled bins (e.g. technicians per score band)."""
    width, height, top, bottom = 520, 210, 24, 30
    peak = max((v for _, v in values), default=0) or 1
    total = sum(v for _, v in values) or 1
    slot = (width - 20) / max(1, len(values))
    body = [f'<line x1="10" y1="{height - bottom}" x2="{width - 10}" y2="{height - bottom}" '
            f'stroke="{GRID}"/>']
    for i, (label, value) in enumerate(values):
        h = (height - top - bottom) * value / peak
        x = 10 + i * slot + slot * 0.15
        y = height - bottom - h
        colour = (colours or [])[i] if colours and i < len(colours) else BRAND
        body.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" height="{h:.1f}" '
                    f'rx="3" fill="{colour}"><title>{escape(label)}: {value}</title></rect>')
        body.append(_text(x + slot * 0.35, y - 6, _fit(f"{value} · {value / total:.0%}", slot - 2),
                          colour=INK))
        body.append(_text(x + slot * 0.35, height - 10, _fit(label, slot - 2), colour=INK))
    return _svg(width, height, body, title)


def diverging_stack(rows: list[tuple[str, list[float], float, str]], *, segments: list[str],
                    colours: list[str], title: str) -> Markup:
    """Per row, positive parts stacked to the right of zero and one negative part (e.g.
    penalties) to the left: (label, [part, …], negative, note at the end). A legend on top."""
    row_h, left, legend_h = 26, 140, 24
    note_room = max((text_width(note) for *_, note in rows), default=0) + 14
    width = left + 400 + note_room
    height = legend_h + row_h * len(rows) + 10
    right_peak = max((sum(parts) for _, parts, _, _ in rows), default=0) or 1
    left_peak = max((neg for _, _, neg, _ in rows), default=0)
    plot_w = 400
    scale = plot_w / (right_peak + left_peak or 1)
    zero = left + left_peak * scale
    body = _legend(list(zip(colours + [BAD], segments + ["扣罚"])))
    for i, (label, parts, negative, note) in enumerate(rows):
        y = legend_h + 5 + i * row_h
        body.append(_text(left - 8, y + 17, _fit(label, left - 12), anchor="end", colour=INK))
        start = zero
        for name, part, colour in zip(segments, parts, colours):
            w = max(0.0, part) * scale
            body.append(f'<rect x="{start:.1f}" y="{y + 4}" width="{w:.1f}" height="{row_h - 10}" '
                        f'fill="{colour}"><title>{escape(label)} {escape(name)} {part:,.2f}</title>'
                        f'</rect>')
            start += w
        if negative:
            w = negative * scale
            body.append(f'<rect x="{zero - w:.1f}" y="{y + 4}" width="{w:.1f}" '
                        f'height="{row_h - 10}" fill="{BAD}"><title>{escape(label)} 扣罚 '
                        f'{negative:,.2f}</title></rect>')
        body.append(_text(start + 6, y + 17, note, anchor="start", colour=INK))
    body.append(f'<line x1="{zero:.1f}" y1="{legend_h}" x2="{zero:.1f}" y2="{height - 4}" '
                f'stroke="{MUTED}"/>')
    return _svg(width, max(height, 40), body, title)


SERIES_COLOURS = ("#0a6cd6", "#c62828", "#1a7f37", "#c77700", "#6f42c1", "#00838f", "#8d6e63",
                  "#d81b60")
SERIES_DASHES = ("", "6 3", "2 3", "8 3 2 3")


def trend_chart(labels: list[str], series: list[tuple[str, list[float | None]]], *,
                title: str, percent: bool = True) -> Markup:
    """One line per named series over the same labelled points (months); None leaves a gap.
    Colours repeat after eight series, so each line also has its own dash pattern."""
    width, left, right, bottom = 540, 62, 24, 30
    legend_rows, x, row = [[]], 10.0, 0
    for name, _values in series:
        need = 16 + text_width(name) + 16
        if x + need > width - 10 and legend_rows[row]:
            legend_rows.append([])
            row, x = row + 1, 10.0
        legend_rows[row].append(name)
        x += need
    top = 26 + 18 * len(legend_rows)
    height = top + 170 + bottom
    known = [v for _name, values in series for v in values if v is not None]
    peak = 1.0 if percent else (max(known) if known else 1.0) or 1.0
    plot_w, plot_h = width - left - right, height - top - bottom
    body = _grid(left, width - right, top, plot_h,
                 lambda frac: f"{frac * peak:.0%}" if percent else
                 f"{frac * peak:,.0f}" if peak >= 100 else f"{frac * peak:,.2f}")
    if not known:
        body.append(_text(left + plot_w / 2, top + plot_h / 2, "无数据"))
    step = plot_w / max(1, len(labels) - 1)
    xs = [left + (i * step if len(labels) > 1 else plot_w / 2) for i in range(len(labels))]
    for x_pos, label in zip(xs, labels):
        body.append(_text(x_pos, height - 10, label))
    style = {name: (SERIES_COLOURS[i % len(SERIES_COLOURS)],
                    SERIES_DASHES[(i // len(SERIES_COLOURS)) % len(SERIES_DASHES)])
             for i, (name, _values) in enumerate(series)}
    for row_no, names in enumerate(legend_rows):
        body += _legend([(style[n][0], n) for n in names], y=20 + 18 * row_no)
    for name, values in series:
        colour, dash = style[name]
        path, pen_down = [], False
        for x_pos, value in zip(xs, values):
            if value is None:
                pen_down = False
                continue
            y = top + plot_h * (1 - value / peak)
            path.append(f'{"L" if pen_down else "M"}{x_pos:.1f},{y:.1f}')
            pen_down = True
            shown = f"{value:.1%}" if percent else f"{value:,.2f}"
            body.append(f'<circle cx="{x_pos:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}">'
                        f'<title>{escape(name)} {escape(shown)}</title></circle>')
        if path:
            dashes = f' stroke-dasharray="{dash}"' if dash else ""
            body.append(f'<path d="{" ".join(path)}" fill="none" stroke="{colour}" '
                        f'stroke-width="2.2"{dashes}/>')
    return _svg(width, height, body, title)
