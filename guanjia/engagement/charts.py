"""Server-side SVG charts for surveys: Pareto (SV-4) and satisfaction bars (SV-3).

Plain strings, no JavaScript, no CDN; the same SVG goes into the console and the PDF.
"""

from __future__ import annotations

import math
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


def _text_width(text: str, size: int = 11) -> float:
    """A safe width estimate: CJK glyphs are one em, Latin and digits about half."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.6 for ch in str(text))


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
    left, right, top, bottom = 48, 48, 48, 64
    pw, ph = width - left - right, height - top - bottom
    out = _svg_open(width, height, title)
    x0, y0 = left, top + ph
    total = sum(r.dissatisfied for r in rows) or 1
    # axes: left = count (0..total), right = cumulative % (0..100)
    out.append(f'<line x1="{x0}" y1="{top}" x2="{x0}" y2="{y0}" stroke="#333"/>')
    out.append(f'<line x1="{x0 + pw}" y1="{top}" x2="{x0 + pw}" y2="{y0}" stroke="#333"/>')
    out.append(f'<line x1="{x0}" y1="{y0}" x2="{x0 + pw}" y2="{y0}" stroke="#333"/>')
    # Whole counts only, evenly stepped, each at its own height (a total of 3 reads 0 1 2 3).
    step = max(1, math.ceil(total / 5))
    counts = list(range(0, total + 1, step))
    if counts[-1] != total:
        counts.append(total)
    for count in counts:
        y = y0 - count / total * ph
        out.append(f'<text x="{x0 - 6}" y="{y + 4:.1f}" text-anchor="end">{count}</text>')
    for i in range(5):
        y = y0 - i / 4 * ph
        out.append(f'<text x="{x0 + pw + 6}" y="{y + 4:.1f}">{i * 25}%</text>')
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
        # Many items or long names: item names slanted, cumulative % beside the line's points instead.
        crowded = max(_text_width(_label(r.item)) for r in rows) > slot * 0.9
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
            px, py = x0 + slot * (i + 1), y0 - float(r.cumulative) / 100 * ph
            if crowded:
                out.append(
                    f'<text x="{cx:.1f}" y="{y0 + 14}" text-anchor="end" transform="rotate(-35 {cx:.1f} {y0 + 14})"'
                    f"{weight}>{_e(_label(r.item))}</text>"
                )
                if r.dissatisfied:  # the flat 100% tail is not labelled again and again
                    # right of the point, clear of this bar's own count; the last one stays inside the axis
                    tx, anchor = (px - 4, "end") if i == n - 1 else (px + 4, "start")
                    out.append(
                        f'<text x="{tx:.1f}" y="{py - 6:.1f}" text-anchor="{anchor}" font-size="10" '
                        f'fill="{LINE}">{q1(r.cumulative)}%</text>'
                    )
            else:
                out.append(f'<text x="{cx:.1f}" y="{y0 + 16}" text-anchor="middle"{weight}>{_e(_label(r.item))}</text>')
                out.append(
                    f'<text x="{cx:.1f}" y="{y0 + 30}" text-anchor="middle" fill="{LINE}">{q1(r.cumulative)}%</text>'
                )
            points.append(f"{px:.1f},{py:.1f}")
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


# --- Fishbone 因果图 (SV-5) ----------------------------------------------------------------------

FISH_ROW = 24  # a cause's row on a bone
FISH_SUB_ROW = 20  # a sub-cause's row
FISH_FONT = 13
FISH_SUB_FONT = 11
FISH_LABEL_MAX = 28


def _fish_rows(nodes, level: int = 1) -> list[tuple[int, object]]:
    rows = []
    for node in nodes:
        rows.append((level, node))
        rows += _fish_rows(getattr(node, "children", []) or [], level + 1)
    return rows


def fishbone_svg(effect: str, causes: Sequence, *, title: str = "") -> str:
    """Fishbone (cause-and-effect) diagram: a spine to the effect box on the right and five bones
    (人 机 料 above, 法 环 below). `causes` is [(label, [node])] in bone order; a node has `.text`,
    `.children` and optionally `.actionable` (a measure hangs on it). Every cause and sub-cause
    has its own row along its bone, so labels never overlap; the drawing grows with the causes."""
    bones = list(causes)
    upper, lower = bones[:3], bones[3:]
    columns = max(len(upper), len(lower), 1)

    def bone_rows(bone):
        return _fish_rows(bone[1]) if bone else []

    def bone_height(bone) -> float:
        return sum(FISH_ROW if lvl == 1 else FISH_SUB_ROW for lvl, _n in bone_rows(bone)) + 60

    def bone_width(bone) -> float:
        widths = [
            _text_width(_label(n.text, FISH_LABEL_MAX), FISH_FONT if lvl == 1 else FISH_SUB_FONT) + 22 * (lvl - 1)
            for lvl, n in bone_rows(bone)
        ]
        return max(widths, default=60) + 40

    up_h = max((bone_height(b) for b in upper), default=60)
    low_h = max((bone_height(b) for b in lower), default=60)
    slant = 0.35  # horizontal run of a bone per unit of height
    col_w = []
    for i in range(columns):
        pair = [b for b in ((upper[i] if i < len(upper) else None), (lower[i] if i < len(lower) else None)) if b]
        need = max((bone_width(b) + slant * bone_height(b) for b in pair), default=120)
        col_w.append(max(need, 160))
    effect_lines = [effect[i : i + 10] for i in range(0, len(effect), 10)] or [""]
    effect_w = max(_text_width(line, 14) for line in effect_lines) + 24
    effect_h = 22 * len(effect_lines) + 16
    left, right, top_pad = 20, 20, 40 if title else 16
    width = int(left + sum(col_w) + 30 + effect_w + right)
    spine_y = top_pad + up_h
    height = int(spine_y + low_h + 16)
    out = _svg_open(width, height, title)
    out[0] = out[0].replace('role="img"', 'role="img" class="fishbone"')
    spine_end = left + sum(col_w) + 30
    out.append(
        f'<line class="spine" x1="{left}" y1="{spine_y}" x2="{spine_end}" y2="{spine_y}" stroke="#333" stroke-width="3"/>'
    )
    out.append(
        f'<polygon points="{spine_end},{spine_y} {spine_end - 12},{spine_y - 6} {spine_end - 12},{spine_y + 6}" fill="#333"/>'
    )
    ey = spine_y - effect_h / 2
    out.append(
        f'<rect class="effect" x="{spine_end}" y="{ey:.1f}" width="{effect_w:.1f}" height="{effect_h}" '
        f'fill="#fdecea" stroke="{KEY_FILL}" stroke-width="2" rx="4"/>'
    )
    for n, line in enumerate(effect_lines):
        out.append(
            f'<text x="{spine_end + effect_w / 2:.1f}" y="{ey + 26 + 22 * n:.1f}" text-anchor="middle" '
            f'font-size="14" font-weight="bold">{_e(line)}</text>'
        )

    def draw_bone(bone, col: int, up: bool):
        label, nodes = bone[0], bone[1]
        root_x = left + sum(col_w[: col + 1])  # where the bone meets the spine
        h = (up_h if up else low_h) - 22
        sign = -1 if up else 1
        tip_x, tip_y = root_x - slant * h, spine_y + sign * h
        out.append(
            f'<line class="bone" x1="{root_x:.1f}" y1="{spine_y}" x2="{tip_x:.1f}" y2="{tip_y:.1f}" '
            f'stroke="#333" stroke-width="2"/>'
        )
        by = tip_y - 18 if up else tip_y + 2
        out.append(
            f'<rect x="{tip_x - 16:.1f}" y="{by:.1f}" width="32" height="18" fill="{LINE}" rx="3"/>'
            f'<text x="{tip_x:.1f}" y="{by + 14:.1f}" text-anchor="middle" fill="#fff" '
            f'font-weight="bold" font-size="13">{_e(label)}</text>'
        )
        d = 18.0  # distance from the spine along the vertical
        anchors: dict[int, float] = {}  # level → x where the current parent's rib starts
        for lvl, node in _fish_rows(nodes):
            step = FISH_ROW if lvl == 1 else FISH_SUB_ROW
            d += step
            y = spine_y + sign * d
            bx = root_x - slant * d  # the bone's x at this height
            size = FISH_FONT if lvl == 1 else FISH_SUB_FONT
            shown = _label(node.text, FISH_LABEL_MAX)
            tw = _text_width(shown, size)
            clear = bx - 12 - slant * (size + 8)  # keep the label off the slanting bone
            end = clear if lvl == 1 else min(clear, anchors.get(lvl - 1, bx) - 14)
            start = end - tw - 6
            strong = getattr(node, "actionable", False)
            colour = KEY_FILL if strong else "#333"
            cls = "cause" if lvl == 1 else "subcause"
            out.append(f'<g class="{cls}"><title>{_e(node.text)}</title>')
            if lvl == 1:
                out.append(f'<line x1="{start:.1f}" y1="{y:.1f}" x2="{bx:.1f}" y2="{y:.1f}" stroke="{colour}"/>')
            else:
                px = anchors.get(lvl - 1, bx) - 6
                py = y - sign * step
                out.append(
                    f'<polyline points="{px:.1f},{py:.1f} {px:.1f},{y:.1f} {start:.1f},{y:.1f}" '
                    f'fill="none" stroke="{colour}" stroke-dasharray="3 2"/>'
                )
            weight = ' font-weight="bold"' if strong else ""
            out.append(
                f'<text x="{end:.1f}" y="{y - 4:.1f}" text-anchor="end" font-size="{size}" '
                f'fill="{colour}"{weight}>{_e(shown)}</text></g>'
            )
            anchors[lvl] = end
        return

    for i, bone in enumerate(upper):
        draw_bone(bone, i, True)
    for i, bone in enumerate(lower):
        draw_bone(bone, i, False)
    out.append("</svg>")
    return "\n".join(out)
