"""Pictures of an inventory for notebooks: a plot-free summary and a chart.

:func:`inventory_summary` counts the apps of :func:`microgov.inventory` by tier and outcome
and lists those expiring soon; in Jupyter it shows as HTML tables, elsewhere as text.
:func:`plot_inventory` draws the same counts as a stacked bar chart with matplotlib (an
optional dependency: ``pip install microgov[plot]``). Both take the DataFrame or the list of
dicts ``inventory`` returns.
"""

from __future__ import annotations

import html
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple, Union

__all__ = ["InventorySummary", "inventory_summary", "plot_inventory"]

TIERS = ("high", "medium", "low")
OUTCOMES = ("deny", "review", "allow", "invalid")
_COLOURS = {"deny": "#cf222e", "review": "#9a6700", "allow": "#1a7f37", "invalid": "#8c959f"}
_CELL = "text-align:left;padding:3px 8px;border-bottom:1px solid #d8dee4"


def _rows(inventory: Any) -> List[Mapping[str, Any]]:
    """The rows of a DataFrame (``to_dict("records")``) or of a list of dicts."""
    to_dict = getattr(inventory, "to_dict", None)
    if callable(to_dict) and not isinstance(inventory, Mapping):
        records = to_dict("records")
        return list(records)
    if isinstance(inventory, Mapping) or isinstance(inventory, (str, bytes)):
        raise TypeError("inventory must be what microgov.inventory() returns: a DataFrame or a list of dicts")
    return list(inventory)


def _when(value: Any) -> Optional[datetime]:
    """A row's ``expires_at`` (a pandas Timestamp, a datetime or RFC 3339 text) as an aware datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    to_py = getattr(value, "to_pydatetime", None)
    if callable(to_py):
        value = to_py()
    if not isinstance(value, datetime):
        return None  # NaT and other missing values
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


class InventorySummary:
    """Counts of an inventory by tier and outcome, and the apps expiring within a window."""

    def __init__(self, counts: Dict[Tuple[str, str], int], expiring: List[Tuple[str, datetime]], within_days: int):
        #: ``{(tier, outcome): apps}``; invalid rows are under tier ``"-"``.
        self.counts = counts
        #: ``[(name, expires_at)]`` of the apps expiring within the window (or expired), soonest first.
        self.expiring = expiring
        #: The window, in days.
        self.within_days = within_days

    @property
    def total(self) -> int:
        """Every row counted."""
        return sum(self.counts.values())

    def _tiers(self) -> List[str]:
        extra = sorted({t for t, _ in self.counts} - set(TIERS))
        return list(TIERS) + extra

    def __repr__(self) -> str:
        lines = [f"{self.total} app(s)", "tier     " + " ".join(f"{o:>7}" for o in OUTCOMES)]
        for t in self._tiers():
            lines.append(f"{t:<8} " + " ".join(f"{self.counts.get((t, o), 0):>7}" for o in OUTCOMES))
        lines.append(f"expiring within {self.within_days}d or expired: {len(self.expiring)}")
        for name, when in self.expiring:
            lines.append(f"  {name}  {when.isoformat()}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        head = "".join(f'<th style="{_CELL}">{o}</th>' for o in OUTCOMES)
        body = []
        for t in self._tiers():
            cells = "".join(
                f'<td style="{_CELL};color:{_COLOURS[o]}">{self.counts.get((t, o), 0)}</td>' for o in OUTCOMES
            )
            body.append(f'<tr><td style="{_CELL};font-weight:600">{html.escape(t)}</td>{cells}</tr>')
        out = [
            '<div class="microgov-inventory" style="text-align:left">',
            f"<p>{self.total} app(s) by tier and outcome</p>",
            f'<table style="border-collapse:collapse"><thead><tr><th style="{_CELL}">tier</th>{head}</tr></thead>',
            f"<tbody>{''.join(body)}</tbody></table>",
            f"<p>Expiring within {self.within_days}d or expired: {len(self.expiring)}</p>",
        ]
        if self.expiring:
            out.append("<ul>")
            out.extend(f"<li>{html.escape(str(n))} &mdash; {w.isoformat()}</li>" for n, w in self.expiring)
            out.append("</ul>")
        out.append("</div>")
        return "".join(out)


def inventory_summary(
    inventory: Any, *, within_days: int = 14, now: Union[None, str, datetime] = None
) -> InventorySummary:
    """Counts the rows of ``microgov.inventory(...)`` by tier and outcome.

    Args:
        inventory: the DataFrame or list of dicts :func:`microgov.inventory` returns.
        within_days: list the apps that expire within this many days (or have expired).
        now: the moment to count from (``datetime`` or RFC 3339); the clock if omitted.

    Returns:
        InventorySummary: shows as HTML tables in Jupyter, as text elsewhere.
    """
    moment = _when(now) if now is not None else datetime.now(timezone.utc)
    if moment is None:
        raise ValueError(f"now is not an RFC 3339 time: {now!r}")
    counts: Dict[Tuple[str, str], int] = {}
    expiring: List[Tuple[str, datetime]] = []
    for row in _rows(inventory):
        outcome = str(row.get("outcome") or "invalid")
        tier = row.get("tier")
        tier = str(tier) if isinstance(tier, str) else "-"
        counts[(tier, outcome)] = counts.get((tier, outcome), 0) + 1
        when = _when(row.get("expires_at"))
        if when is not None and when - moment <= timedelta(days=within_days):
            expiring.append((str(row.get("name")), when))
    expiring.sort(key=lambda x: x[1])
    return InventorySummary(counts, expiring, within_days)


def plot_inventory(inventory: Any, ax: Any = None, *, title: Optional[str] = "Apps by tier and outcome") -> Any:
    """Draws the inventory as a stacked bar chart: one bar per tier, one colour per outcome.

    Args:
        inventory: the DataFrame or list of dicts :func:`microgov.inventory` returns.
        ax: a matplotlib ``Axes`` to draw on; a new figure's when omitted.
        title: the chart's title (``None`` for none).

    Returns:
        The matplotlib ``Axes``.

    Raises:
        ImportError: matplotlib is not installed (``pip install microgov[plot]``).
    """
    try:
        import matplotlib.pyplot as plt  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError as e:
        raise ImportError("plot_inventory needs matplotlib: pip install microgov[plot]") from e
    summary = inventory_summary(inventory)
    tiers = [t for t in summary._tiers() if any(summary.counts.get((t, o), 0) for o in OUTCOMES)] or list(TIERS)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.2))
    bottoms = [0] * len(tiers)
    for outcome in OUTCOMES:
        values = [summary.counts.get((t, outcome), 0) for t in tiers]
        if not any(values):
            continue
        ax.bar(tiers, values, bottom=bottoms, label=outcome, color=_COLOURS[outcome])
        bottoms = [b + v for b, v in zip(bottoms, values)]
    ax.set_xlabel("tier")
    ax.set_ylabel("apps")
    if title:
        ax.set_title(title)
    ax.legend(title="outcome")
    return ax


