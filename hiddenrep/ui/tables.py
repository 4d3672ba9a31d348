"""The tables people read beside a chart: neighbours of a clicked example and suspected mislabels.

The neighbour table is HTML rather than ``st.dataframe``: its text wraps (a review is the thing people
read), the example itself heads it, and neighbours that left are greyed, which a data grid cannot do.
"""

from __future__ import annotations

import html

import pandas as pd

NEIGHBOUR_CSS = """<style>
.hr-neighbours {max-height: 460px; overflow: auto; font-size: 0.85rem;}
.hr-neighbours table {width: 100%; border-collapse: collapse;}
.hr-neighbours th {text-align: left; font-weight: 600; position: sticky; top: 0; padding: 4px 5px;
  background: var(--background-color, inherit); border-bottom: 1px solid rgba(128,128,128,.4);}
.hr-neighbours td {padding: 4px 5px; vertical-align: top; border-bottom: 1px solid rgba(128,128,128,.15);}
.hr-neighbours td.text {white-space: normal; overflow-wrap: anywhere; min-width: 8rem;}
.hr-neighbours .new {font-size: .75em; padding: 0 3px; border-radius: 3px; background: rgba(255,75,75,.15);}
.hr-neighbours td.num {text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap;}
.hr-neighbours tr.itself td {background: rgba(255,75,75,.10); font-weight: 600;}
.hr-neighbours tr.left td {opacity: .45;}
.hr-neighbours .wrong {color: #d62728;}
</style>"""


def _rank(row) -> str:
    """The rank cell says the neighbourhood change too (one column fewer, so the table fits the side panel)."""
    if row["change"] in ("itself", "left"):
        return row["change"]
    if row["change"] == "joined":
        return f'<span class="new" title="not a neighbour at the checkpoint before">new</span> {row["rank"]}'
    return str(row["rank"])


def neighbour_html(table: pd.DataFrame, images: dict[str, str] | None = None) -> str:
    """A :func:`hiddenrep.analysis.neighbor_table` (``include_self=True``) as an HTML table: the text first
    and wrapping, the example itself on top, neighbours that left greyed and marked "left" (not a rank),
    those that joined since the checkpoint before marked "new" beside their rank."""
    images = images or {}
    # No id column: the side panel is narrow, the heading names the clicked example, the CSV has every id.
    head = (["image"] if images else []) + ["text", "label", "predicted", "rank", "distance"]
    rows = []
    for _, row in table.iterrows():
        cells = []  # the row's example id rides on its title (hover), the grid has no room for it
        if images:
            source = images.get(str(row["example_id"]))
            cells.append(f'<td><img src="{source}" width="28" alt="digit"></td>' if source else "<td></td>")
        wrong = row["correct"] is False or row["correct"] == False  # noqa: E712 - numpy bools
        prediction = "" if row["prediction"] is None else html.escape(str(row["prediction"]))
        cells += [f'<td class="text">{html.escape(str(row["text"]))}</td>',
                  f'<td>{html.escape(str(row["label"]))}</td>',
                  f'<td class="{"wrong" if wrong else ""}">{prediction}</td>',
                  f'<td class="num">{_rank(row)}</td>',
                  f'<td class="num">{row["distance"]:.3f}</td>']
        kind = row["change"] if row["change"] in ("itself", "left") else ""
        rows.append(f'<tr class="{kind}" title="{html.escape(str(row["example_id"]))}">{"".join(cells)}</tr>')
    header = "".join(f"<th>{name}</th>" for name in head)
    return (f'{NEIGHBOUR_CSS}<div class="hr-neighbours"><table><thead><tr>{header}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


def suspects_table(issues: pd.DataFrame, n: int = 50) -> pd.DataFrame:
    """The ``n`` most suspected mislabels (lowest label-issue score first) as people read them: the text,
    the given label, the predicted one and why the row is suspect, in words."""
    from ..analysis import explain_issues

    ranked = issues.sort_values("label_issue_score", kind="stable").head(n)
    return pd.DataFrame({"text": ranked["text"], "given label": ranked["label"],
                         "predicted": ranked["prediction"], "why suspect": explain_issues(ranked),
                         "example_id": ranked["example_id"]}).reset_index(drop=True)
