"""Server-side SVG charts: no JavaScript, no third-party code, every label escaped."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from markupsafe import Markup, escape

PALETTE = ("#2f6fde", "#e07b00", "#2a9d5c", "#c23b3b", "#7a4fd1", "#6b7280")
Fmt = Callable[[float], str]


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    step = 10.0 ** len(str(int(value))) / 10
    for mult in (1, 2, 2.5, 5, 10):
        if value <= step * mult:
            return float(step * mult)
    return value


def line_chart(*, labels: Sequence[str], series: Mapping[str, Sequence[float | None]],
               fmt: Fmt = lambda v: f"{v:g}", label_fmt: Fmt | None = None,
               title: str, width: int = 640, height: int = 220) -> Markup:
    """Lines over periods; a gap where a period has no value."""
    left, right, top, bottom = 56, 12, 28, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for s in series.values() for v in s if v is not None]
    low = min(0.0, *values) if values else 0.0
    high = _nice_max(max(values)) if values else 1.0
    span = (high - low) or 1.0
    n = max(len(labels), 1)

    def x(i: int) -> float:
        return left + (plot_w * (i + 0.5) / n)

    def y(v: float) -> float:
        return top + plot_h - (v - low) / span * plot_h

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'class="chart" role="img" aria-label="{escape(title)}" style="direction:ltr">',
             f"<title>{escape(title)}</title>"]
    for k in range(5):
        v = low + span * k / 4
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
                     'class="grid"/>')
        parts.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" '
                     f'class="tick">{escape(fmt(v))}</text>')
    every = max(1, n // 8)
    for i, label in enumerate(labels):
        if i % every == 0:
            parts.append(f'<text x="{x(i):.1f}" y="{height - bottom + 16}" text-anchor="middle" '
                         f'class="tick">{escape(label)}</text>')
    for s, (name, points) in enumerate(series.items()):
        colour = PALETTE[s % len(PALETTE)]
        path, pen = [], "M"
        for i, point in enumerate(points):
            if point is None:
                pen = "M"
                continue
            v = point
            path.append(f"{pen}{x(i):.1f},{y(v):.1f}")
            pen = "L"
            parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5" fill="{colour}">'
                         f"<title>{escape(name)} · {escape(labels[i])}: {escape(fmt(v))}"
                         "</title></circle>")
        if path:
            parts.append(f'<path d="{" ".join(path)}" fill="none" stroke="{colour}" '
                         'stroke-width="2"/>')
        parts.append(f'<rect x="{left + 130 * s}" y="6" width="10" height="10" '
                     f'fill="{colour}"/><text x="{left + 130 * s + 14}" y="15" '
                     f'class="legend">{escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(*, items: Sequence[tuple[str, float]], title: str,
              fmt: Fmt = lambda v: f"{v:g}", width: int = 320) -> Markup:
    """Horizontal bars, largest first (e.g. volume by category)."""
    row, left = 22, 110
    height = row * max(len(items), 1) + 8
    top = max((v for _k, v in items), default=0.0) or 1.0
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'class="chart bars" role="img" aria-label="{escape(title)}" '
             'style="direction:ltr">',
             f"<title>{escape(title)}</title>"]
    for i, (name, value) in enumerate(sorted(items, key=lambda kv: -kv[1])):
        w = (width - left - 50) * value / top
        yy = 4 + i * row
        parts.append(f'<text x="{left - 6}" y="{yy + 14}" text-anchor="end" '
                     f'class="tick">{escape(name)}</text>'
                     f'<rect x="{left}" y="{yy + 3}" width="{w:.1f}" height="{row - 8}" '
                     f'fill="{PALETTE[i % len(PALETTE)]}"/>'
                     f'<text x="{left + w + 4:.1f}" y="{yy + 14}" class="tick">'
                     f"{escape(fmt(value))}</text>")
    parts.append("</svg>")
    return Markup("".join(parts))
