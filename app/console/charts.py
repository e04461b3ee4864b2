"""Small inline SVG charts drawn on the server: no script, no CDN, readable without colour.

Each function takes plain values and returns SVG markup (Markup, labels escaped), sized by
viewBox so it scales with the page.
"""
from __future__ import annotations

from datetime import datetime

from markupsafe import Markup, escape

INK, MUTED, GRID = "#1f2328", "#5f6b76", "#e3e8ee"
BRAND, WARN, BAD = "#0a6cd6", "#c77700", "#c62828"
STAR_COLOURS = {1: BAD, 2: "#e0662d", 3: "#c9a100", 4: "#5aa33b", 5: "#1a7f37"}


def _svg(width: int, height: int, body: list[str], title: str) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
        f'<title>{escape(title)}</title>{"".join(body)}</svg>')


def _text(x: float, y: float, text, *, anchor: str = "middle", size: int = 12,
          colour: str = MUTED, weight: str = "normal") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
            f'fill="{colour}" font-weight="{weight}">{escape(text)}</text>')


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
    width, height, left, right, top, bottom = 520, 200, 40, 16, 20, 30
    known = [v for _, v in points if v is not None]
    peak = 1.0 if percent else (max(known) if known else 1.0) or 1.0
    plot_w, plot_h = width - left - right, height - top - bottom
    body = []
    for frac in (0, 0.25, 0.5, 0.75, 1.0):
        y = top + plot_h * (1 - frac)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
                    f'stroke="{GRID}"/>')
        body.append(_text(left - 6, y + 4, f"{frac * peak:.0%}" if percent else f"{frac * peak:g}",
                          anchor="end", size=11))
    step = plot_w / max(1, len(points) - 1) if len(points) > 1 else 0
    coords = []
    for i, (label, value) in enumerate(points):
        x = left + (i * step if len(points) > 1 else plot_w / 2)
        body.append(_text(x, height - 10, label, size=11))
        if value is None:
            coords.append(None)
            continue
        y = top + plot_h * (1 - value / peak)
        coords.append((x, y))
        shown = f"{value:.1%}" if percent else f"{value:g}"
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{BRAND}">'
                    f'<title>{escape(label)}: {shown}</title></circle>')
        body.append(_text(x, y - 9, shown, colour=INK, size=11))
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
          scale: float | None = None) -> Markup:
    """Horizontal bars: (label, value, note shown at the bar's end)."""
    row_h, left, width = 26, 130, 520
    height = row_h * len(rows) + 10
    known = [v for _, v, _ in rows if v is not None]
    peak = scale or (1.0 if percent else (max(known) if known else 1.0)) or 1.0
    plot_w = width - left - 90
    body = []
    for i, (label, value, note) in enumerate(rows):
        y = 5 + i * row_h
        body.append(_text(left - 8, y + 17, label, anchor="end", colour=INK))
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
            _text(left, height - 2, first.strftime("%m-%d %H:%M"), anchor="start", size=11),
            _text(left + plot_w, height - 2, last.strftime("%H:%M"), anchor="end", size=11)]
    for i, (when, label, hot) in enumerate(ordered):
        x = left + plot_w * (when - first).total_seconds() / span
        y = 14 + i * 22
        colour = BAD if hot else BRAND
        body.append(f'<line x1="{x:.1f}" y1="{y + 4}" x2="{x:.1f}" y2="{axis_y}" '
                    f'stroke="{colour}" stroke-dasharray="2 3"/>')
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{colour}"/>')
        body.append(_text(left + plot_w + 8, y + 4, f"{when:%H:%M:%S} {label}", anchor="start",
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
        body.append(_text(x + slot * 0.35, y - 6, f"{value} · {value / total:.0%}", colour=INK,
                          size=11))
        body.append(_text(x + slot * 0.35, height - 10, label, size=11, colour=INK))
    return _svg(width, height, body, title)


def diverging_stack(rows: list[tuple[str, list[float], float, str]], *, segments: list[str],
                    colours: list[str], title: str) -> Markup:
    """Per row, positive parts stacked to the right of zero and one negative part (e.g.
    penalties) to the left: (label, [part, …], negative, note at the end). A legend on top."""
    row_h, left, width, legend_h = 26, 130, 640, 24
    height = legend_h + row_h * len(rows) + 10
    right_peak = max((sum(parts) for _, parts, _, _ in rows), default=0) or 1
    left_peak = max((neg for _, _, neg, _ in rows), default=0)
    plot_w = width - left - 110
    scale = plot_w / (right_peak + left_peak or 1)
    zero = left + left_peak * scale
    body, x = [], left
    for name, colour in zip(segments + ["扣罚"], colours + [BAD]):
        body.append(f'<rect x="{x}" y="6" width="12" height="12" rx="2" fill="{colour}"/>')
        body.append(_text(x + 16, 16, name, anchor="start", size=11, colour=INK))
        x += 28 + 13 * len(name)
    for i, (label, parts, negative, note) in enumerate(rows):
        y = legend_h + 5 + i * row_h
        body.append(_text(left - 8, y + 17, label, anchor="end", colour=INK))
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
        body.append(_text(start + 6, y + 17, note, anchor="start", colour=INK, size=11))
    body.append(f'<line x1="{zero:.1f}" y1="{legend_h}" x2="{zero:.1f}" y2="{height - 4}" '
                f'stroke="{MUTED}"/>')
    return _svg(width, max(height, 40), body, title)
