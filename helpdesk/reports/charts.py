"""Charts: one data shape (a Chart of labelled series) drawn as accessible SVG on the server.

Every chart is also its "show the numbers" table, its CSV and its part of the JSON summary, all
from the same Chart, so the picture and the figures cannot disagree. The SVG needs no script
and no network: a title, axis labels, a <title>/<desc> text alternative (role="img"), and the
Okabe–Ito palette, which readers with any common colour-vision deficiency can tell apart.
"""

import math
from dataclasses import dataclass, field

from markupsafe import Markup, escape

# Okabe & Ito (2008), a grey, and last the yellow, which is pale on white.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#D55E00",
    "#56B4E9",
    "#CC79A7",
    "#000000",
    "#999999",
    "#F0E442",
)
WIDTH = 640
FONT = 12


@dataclass(frozen=True)
class Series:
    name: str
    values: list[float | None]


@dataclass(frozen=True)
class Chart:
    key: str
    title: str
    kind: str  # "bars" (horizontal, grouped), "stacked" (columns over time), "line" (over time)
    x_label: str  # what the labels are (categories, days, …)
    y_label: str  # what the values measure, with their unit
    labels: list[str]
    series: list[Series]
    # Columns shown in the table and exported, but not drawn (another unit: a share, a median).
    extra: list[Series] = field(default_factory=list)

    @property
    def columns(self) -> list[Series]:
        return [*self.series, *self.extra]

    @property
    def is_empty(self) -> bool:
        return not any(value for series in self.series for value in series.values)

    def rows(self) -> list[list]:
        """The table: one row per label, a value per column."""
        return [
            [label, *(series.values[index] for series in self.columns)]
            for index, label in enumerate(self.labels)
        ]

    def description(self) -> str:
        """The text alternative: what is measured, and each series' total or range."""
        across = self.x_label[:1].lower() + self.x_label[1:]
        parts = [f"{self.y_label} by {across}, {len(self.labels)} rows."]
        for series in self.series:
            values = [value for value in series.values if value is not None]
            if not values:
                parts.append(f"{series.name}: no data.")
            elif self.kind == "line":
                parts.append(
                    f"{series.name}: from {_number(min(values))} to {_number(max(values))}."
                )
            else:
                top = max(range(len(series.values)), key=lambda i: series.values[i] or 0)
                parts.append(
                    f"{series.name}: {_number(sum(values))} in all, "
                    f"most for {self.labels[top]} ({_number(series.values[top])})."
                )
        return " ".join(parts)


def _number(value: float | None) -> str:
    if value is None:
        return "–"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _nice_step(top: float, ticks: int = 4) -> float:
    raw = max(top, 1) / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)


def _scale(top: float, whole: bool) -> tuple[float, list[float]]:
    """The axis' end and its ticks; counts (`whole`) get no fractional tick."""
    step = _nice_step(top)
    if whole:
        step = max(1, math.ceil(step))
    count = max(1, math.ceil(max(top, 1) / step))
    return step * count, [step * n for n in range(count + 1)]


def render(chart: Chart) -> Markup:
    draw = {"bars": _bars, "stacked": _columns, "line": _lines}[chart.kind]
    body, height = draw(chart)
    title_id, desc_id = f"chart-{chart.key}-title", f"chart-{chart.key}-desc"
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
        f'aria-labelledby="{title_id}" aria-describedby="{desc_id}" '
        f'xmlns="http://www.w3.org/2000/svg" '
        f'font-size="{FONT}" font-family="system-ui, sans-serif">'
        f'<title id="{title_id}">{escape(chart.title)}</title>'
        f'<desc id="{desc_id}">{escape(chart.description())}</desc>'
        f"{_legend(chart)}{body}</svg>"
    )


def _legend(chart: Chart) -> str:
    if len(chart.series) < 2:
        return ""
    items, x, y = [], 8, 14
    for index, series in enumerate(chart.series):
        width = 22 + 7 * len(series.name)
        if x + width > WIDTH:
            x, y = 8, y + 18
        items.append(
            f'<rect x="{x}" y="{y - 10}" width="12" height="12" fill="{_colour(index)}"/>'
            f'<text x="{x + 16}" y="{y}">{escape(series.name)}</text>'
        )
        x += width
    return f'<g class="legend">{"".join(items)}</g>'


def _legend_height(chart: Chart) -> int:
    if len(chart.series) < 2:
        return 0
    width, lines = 8, 1
    for series in chart.series:
        step = 22 + 7 * len(series.name)
        if width + step > WIDTH:
            width, lines = 8, lines + 1
        width += step
    return 18 * lines + 6


def _whole(chart: Chart) -> bool:
    return all(isinstance(v, int) for s in chart.series for v in s.values if v is not None)


def _colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def _tip(label: str, series: Series, value: float | None) -> str:
    return f"<title>{escape(label)}, {escape(series.name)}: {_number(value)}</title>"


def _bars(chart: Chart) -> tuple[str, int]:
    """Horizontal grouped bars: one group per label, the label on the left."""
    left, right, top = 230, 24, 26 + _legend_height(chart)
    bar = 14 if len(chart.series) == 1 else 10
    group = bar * len(chart.series) + 10
    plot_height = max(group * len(chart.labels), group)
    highest = max((v or 0 for s in chart.series for v in s.values), default=0)
    maximum, ticks = _scale(highest, _whole(chart))
    span = WIDTH - left - right
    parts = []
    for tick in ticks:
        x = left + span * tick / maximum
        parts.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + plot_height}" class="grid"/>'
            f'<text x="{x:.1f}" y="{top + plot_height + 16}" text-anchor="middle">'
            f"{_number(tick)}</text>"
        )
    for row, label in enumerate(chart.labels):
        y0 = top + row * group + 5
        short = label if len(label) <= 28 else label[:27] + "…"
        parts.append(
            f'<text x="{left - 6}" y="{y0 + group / 2}" text-anchor="end">'
            f"<title>{escape(label)}</title>{escape(short)}</text>"
        )
        for index, series in enumerate(chart.series):
            value = series.values[row]
            width = span * (value or 0) / maximum
            parts.append(
                f'<rect x="{left}" y="{y0 + index * bar}" width="{width:.1f}" '
                f'height="{bar - 2}" fill="{_colour(index)}">{_tip(label, series, value)}</rect>'
            )
    height = top + plot_height + 44
    parts.append(_bottom_title(left, span, top, plot_height, chart.y_label, height))
    # The labels' title heads their column: turned along a short plot, it would not fit.
    parts.append(
        f'<text class="axis-title" x="{left - 6}" y="{top - 8}" text-anchor="end">'
        f"{escape(chart.x_label)}</text>"
    )
    return "".join(parts), height


def _plot_frame(chart: Chart, maximum: float, ticks: list[float]) -> tuple[list[str], dict]:
    """The vertical value axis and the time labels under the plot, shared by columns and lines."""
    left, right, top, plot_height = 56, 16, 10 + _legend_height(chart), 200
    span = WIDTH - left - right
    parts = []
    for tick in ticks:
        y = top + plot_height - plot_height * tick / maximum
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + span}" y2="{y:.1f}" class="grid"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{_number(tick)}</text>'
        )
    count = max(len(chart.labels), 1)
    every = max(1, math.ceil(count / 8))
    for index, label in enumerate(chart.labels):
        if index % every == 0:
            x = left + span * (index + 0.5) / count
            parts.append(
                f'<text x="{x:.1f}" y="{top + plot_height + 16}" text-anchor="middle">'
                f"{escape(label)}</text>"
            )
    frame = {"left": left, "top": top, "height": plot_height, "span": span, "count": count}
    return parts, frame


def _columns(chart: Chart) -> tuple[str, int]:
    """Stacked columns over time: one column per day or week, a segment per series."""
    totals = [sum(s.values[i] or 0 for s in chart.series) for i in range(len(chart.labels))]
    maximum, ticks = _scale(max(totals, default=0), _whole(chart))
    parts, f = _plot_frame(chart, maximum, ticks)
    slot = f["span"] / f["count"]
    for index, label in enumerate(chart.labels):
        base = f["top"] + f["height"]
        for number, series in enumerate(chart.series):
            value = series.values[index] or 0
            if not value:
                continue
            height = f["height"] * value / maximum
            base -= height
            parts.append(
                f'<rect x="{f["left"] + slot * index + slot * 0.1:.1f}" y="{base:.1f}" '
                f'width="{slot * 0.8:.1f}" height="{height:.1f}" fill="{_colour(number)}">'
                f"{_tip(label, series, value)}</rect>"
            )
    height = f["top"] + f["height"] + 44
    parts.append(
        _axis_titles(
            f["left"], f["span"], f["top"], f["height"], chart.x_label, chart.y_label, height
        )
    )
    return "".join(parts), height


def _lines(chart: Chart) -> tuple[str, int]:
    """A line per series over time; a missing value breaks the line, a lone value is a dot."""
    highest = max((v or 0 for s in chart.series for v in s.values), default=0)
    maximum, ticks = _scale(highest, _whole(chart))
    parts, f = _plot_frame(chart, maximum, ticks)
    slot = f["span"] / f["count"]
    for number, series in enumerate(chart.series):
        path, pen_down = [], False
        for index, value in enumerate(series.values):
            if value is None:
                pen_down = False
                continue
            x = f["left"] + slot * (index + 0.5)
            y = f["top"] + f["height"] - f["height"] * value / maximum
            path.append(f"{'L' if pen_down else 'M'}{x:.1f},{y:.1f}")
            pen_down = True
            parts.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{_colour(number)}">'
                f"{_tip(chart.labels[index], series, value)}</circle>"
            )
        if path:
            dash = ' stroke-dasharray="6 3"' if number % 2 else ""
            parts.append(
                f'<path d="{" ".join(path)}" fill="none" stroke="{_colour(number)}" '
                f'stroke-width="2"{dash}/>'
            )
    height = f["top"] + f["height"] + 44
    parts.append(
        _axis_titles(
            f["left"], f["span"], f["top"], f["height"], chart.x_label, chart.y_label, height
        )
    )
    return "".join(parts), height


def _axis_titles(left, span, top, plot_height, across: str, up: str, height: int) -> str:
    """The horizontal axis' title under the plot, the vertical one turned along its side."""
    middle = top + plot_height / 2
    return _bottom_title(left, span, top, plot_height, across, height) + (
        f'<text class="axis-title" x="12" y="{middle:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 12 {middle:.1f})">{escape(up)}</text>'
    )


def _bottom_title(left, span, top, plot_height, across: str, height: int) -> str:
    return (
        f'<line x1="{left}" y1="{top + plot_height}" x2="{left + span}" '
        f'y2="{top + plot_height}" class="axis"/>'
        f'<text class="axis-title" x="{left + span / 2:.1f}" y="{height - 6}" '
        f'text-anchor="middle">{escape(across)}</text>'
    )
