"""Server-side SVG charts for surveys: Pareto (SV-4) and satisfaction bars (SV-3).

Plain strings, no JavaScript, no CDN; the same SVG goes into the console and the PDF.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from xml.sax.saxutils import escape

from .stats import ParetoRow, q1

FONT = "Noto Sans CJK SC, sans-serif"
KEY_FILL = "#c0392b"
BAR_FILL = "#7f8c8d"
LINE = "#1f5fa8"


def _e(text) -> str:
    return escape(str(text), {'"': "&quot;"})


def _label(text: str, limit: int = 6) -> str:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _svg_open(width: int, height: int, title: str) -> list[str]:
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{FONT}" font-size="11" role="img">',
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
    ]
    if title:
        out.append(f"<title>{_e(title)}</title>")
        out.append(
            f'<text x="{width / 2:.1f}" y="20" text-anchor="middle" font-size="14" '
            f'font-weight="bold">{_e(title)}</text>'
        )
    return out


def pareto_svg(
    rows: Sequence[ParetoRow],
    *,
    title: str = "",
    width: int = 640,
    height: int = 360,
    key_pct: Decimal = Decimal("80"),
) -> str:
    """Pareto chart (SV-4): bars for dissatisfied counts, polyline for cumulative %,
    a dashed line at 80%, key items highlighted."""
    left, right, top, bottom = 48, 48, 36, 64
    pw, ph = width - left - right, height - top - bottom
    out = _svg_open(width, height, title)
    x0, y0 = left, top + ph
    total = sum(r.dissatisfied for r in rows) or 1
    # axes: left = count (0..total), right = cumulative % (0..100)
    out.append(f'<line x1="{x0}" y1="{top}" x2="{x0}" y2="{y0}" stroke="#333"/>')
    out.append(f'<line x1="{x0 + pw}" y1="{top}" x2="{x0 + pw}" y2="{y0}" stroke="#333"/>')
    out.append(f'<line x1="{x0}" y1="{y0}" x2="{x0 + pw}" y2="{y0}" stroke="#333"/>')
    for i in range(5):
        frac = i / 4
        y = y0 - frac * ph
        out.append(f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end">{round(total * frac)}</text>')
        out.append(f'<text x="{x0 + pw + 6}" y="{y + 4:.1f}">{int(frac * 100)}%</text>')
    y80 = y0 - float(key_pct) / 100 * ph
    out.append(
        f'<line class="threshold" x1="{x0}" y1="{y80:.1f}" x2="{x0 + pw}" y2="{y80:.1f}" '
        f'stroke="{KEY_FILL}" stroke-dasharray="6 4"/>'
    )
    out.append(f'<text x="{x0 + pw - 4}" y="{y80 - 4:.1f}" text-anchor="end" fill="{KEY_FILL}">{_num(key_pct)}%</text>')
    n = len(rows)
    points = [f"{x0},{y0}"]
    if n:
        slot = pw / n
        bw = slot * 0.7
        for i, r in enumerate(rows):
            cx = x0 + slot * (i + 0.5)
            bh = r.dissatisfied / total * ph
            fill = KEY_FILL if r.key else BAR_FILL
            cls = "bar key" if r.key else "bar"
            out.append(
                f'<rect class="{cls}" x="{cx - bw / 2:.1f}" y="{y0 - bh:.1f}" width="{bw:.1f}" '
                f'height="{bh:.1f}" fill="{fill}"><title>{_e(r.item)}: {r.dissatisfied}</title></rect>'
            )
            out.append(f'<text x="{cx:.1f}" y="{y0 - bh - 4:.1f}" text-anchor="middle">{r.dissatisfied}</text>')
            weight = ' font-weight="bold"' if r.key else ""
            out.append(f'<text x="{cx:.1f}" y="{y0 + 16}" text-anchor="middle"{weight}>{_e(_label(r.item))}</text>')
            out.append(
                f'<text x="{cx:.1f}" y="{y0 + 30}" text-anchor="middle" fill="{LINE}">{q1(r.cumulative)}%</text>'
            )
            points.append(f"{x0 + slot * (i + 1):.1f},{y0 - float(r.cumulative) / 100 * ph:.1f}")
        out.append(
            f'<polyline class="cumulative" points="{" ".join(points)}" fill="none" stroke="{LINE}" stroke-width="2"/>'
        )
        for p in points[1:]:
            x, y = p.split(",")
            out.append(f'<circle cx="{x}" cy="{y}" r="3" fill="{LINE}"/>')
    out.append("</svg>")
    return "\n".join(out)


def _num(d: Decimal) -> str:
    return f"{d.normalize():f}"


def bar_svg(
    pairs: Sequence[tuple[str, Decimal | None]],
    *,
    title: str = "",
    width: int = 640,
    height: int = 360,
    threshold: Decimal | None = None,
) -> str:
    """Horizontal-axis bars of per-item satisfaction rates in % (SV-3); None = no answers."""
    left, right, top, bottom = 48, 16, 36, 48
    pw, ph = width - left - right, height - top - bottom
    x0, y0 = left, top + ph
    out = _svg_open(width, height, title)
    out.append(f'<line x1="{x0}" y1="{top}" x2="{x0}" y2="{y0}" stroke="#333"/>')
    out.append(f'<line x1="{x0}" y1="{y0}" x2="{x0 + pw}" y2="{y0}" stroke="#333"/>')
    for i in range(5):
        y = y0 - i / 4 * ph
        out.append(f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end">{i * 25}%</text>')
    if threshold is not None:
        yt = y0 - float(threshold) / 100 * ph
        out.append(
            f'<line class="threshold" x1="{x0}" y1="{yt:.1f}" x2="{x0 + pw}" y2="{yt:.1f}" '
            f'stroke="{KEY_FILL}" stroke-dasharray="6 4"/>'
        )
    n = len(pairs)
    if n:
        slot = pw / n
        bw = slot * 0.6
        for i, (label, rate) in enumerate(pairs):
            cx = x0 + slot * (i + 0.5)
            value = Decimal(0) if rate is None else min(max(rate, Decimal(0)), Decimal(100))
            bh = float(value) / 100 * ph
            out.append(
                f'<rect class="bar" x="{cx - bw / 2:.1f}" y="{y0 - bh:.1f}" width="{bw:.1f}" '
                f'height="{bh:.1f}" fill="{LINE}"><title>{_e(label)}</title></rect>'
            )
            shown = "—" if rate is None else f"{q1(rate)}%"
            out.append(f'<text x="{cx:.1f}" y="{y0 - bh - 4:.1f}" text-anchor="middle">{shown}</text>')
            out.append(f'<text x="{cx:.1f}" y="{y0 + 16}" text-anchor="middle">{_e(_label(label))}</text>')
    out.append("</svg>")
    return "\n".join(out)
