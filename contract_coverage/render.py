"""The report's other formats: a Markdown summary for CI logs and pull requests, an offline HTML page.

Both are rendered from the JSON report alone (:func:`~contract_coverage.report.build_report`),
so the three always agree. The HTML page fetches nothing (a Content-Security-Policy
of ``default-src 'none'``) and runs no script: sections fold with ``<details>``.
"""

from __future__ import annotations

from html import escape
from typing import Any

from contract_coverage.targets import DIMENSIONS

#: How each dimension is titled.
TITLES = {
    "statuses": "statuses",
    "errorCodes": "errorCodes",
    "requestProperties": "request properties",
    "requestValues": "request values",
    "constraints": "constraints (both sides)",
    "branches": "oneOf branches",
    "responseProperties": "response properties",
    "responseValues": "response values",
    "states": "domain states",
}


def _cell(dimension: dict[str, Any]) -> str:
    text = f"{dimension['covered']}/{dimension['reachable']}"
    unreachable = dimension["total"] - dimension["reachable"]
    return text + (f" (+{unreachable} unreachable)" if unreachable else "")


def _sources(row: dict[str, Any]) -> str:
    return ", ".join(f"{source} {count}" for source, count in row.get("sources", {}).items())


def markdown(report: dict[str, Any], *, uncovered_limit: int = 40) -> str:
    """The summary: findings first, a table per operation, then what was not reached.

    >>> from contract_coverage import measure
    >>> from contract_coverage.report import build_report
    >>> print(markdown(build_report(measure([])), uncovered_limit=0).splitlines()[0])
    ## Contract coverage of openapi.yaml 2.1.0
    """
    calls = ", ".join(f"{s} {n}" for s, n in report["calls"].items()) or "none"
    probes = sum(report.get("probes", {}).values())
    if probes:
        calls += f" (of which {probes} the run's own probes of methods the contract has not)"
    tcl = report["tcl"]
    reached = next((e["name"] for e in tcl["levels"] if e["level"] == tcl["reached"]), "paths")
    lines = [
        f"## Contract coverage of openapi.yaml {report['contract']}",
        "",
        f"Calls: {calls}. Test Coverage Level reached: TCL {tcl['reached']} ({reached}).",
        "",
        "### Findings",
        "",
    ]
    if report["findings"]:
        lines += ["| kind | operation | what | value | seen |", "|---|---|---|---|---|"]
        lines += [
            f"| {f['kind']} | {f['operation'] or '-'} | {f['detail']} | `{_md(f['value'])}` | "
            f"{', '.join(f'{s} {n}' for s, n in f['sources'].items())} |"
            for f in report["findings"]
        ]
    else:
        lines.append("None: every call kept to what the contract declares.")
    header = "| operation | " + " | ".join(TITLES[d] for d in DIMENSIONS) + " |"
    lines += ["", "### Coverage", "", header, "|---" * (len(DIMENSIONS) + 1) + "|"]
    for op, data in report["operations"].items():
        cells = [_cell(data["dimensions"][d]) for d in DIMENSIONS]
        lines.append(f"| {op} | " + " | ".join(cells) + " |")
    totals = [f"{report['totals'][d]['percent']:g}%" for d in DIMENSIONS]
    lines.append("| **all** | " + " | ".join(totals) + " |")
    rows = [
        (op, d, row)
        for op, data in report["operations"].items()
        for d in DIMENSIONS
        for row in data["dimensions"][d]["items"]
        if not row["seen"]
    ]
    uncovered = [(op, d, row) for op, d, row in rows if "unreachable" not in row]
    if uncovered_limit and uncovered:
        lines += ["", "### Not reached", ""]
        for op, dimension, row in uncovered[:uncovered_limit]:
            lines.append(f"- {op} · {TITLES[dimension]} · `{_md(row['item'])}`")
        if len(uncovered) > uncovered_limit:
            more = len(uncovered) - uncovered_limit
            lines.append(f"- ... and {more} more (see the JSON or HTML report)")
    reasons: dict[str, list[str]] = {}
    for op, _, row in rows:
        if "unreachable" in row:
            reasons.setdefault(row["unreachable"], []).append(f"{op} `{_md(row['item'])}`")
    if reasons:
        lines += ["", "### Unreachable from this source, and why", ""]
        for reason, items in reasons.items():
            shown = ", ".join(items[:4]) + (f" and {len(items) - 4} more" if len(items) > 4 else "")
            lines.append(f"- {reason}: {shown}")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("`", "'")


_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0;
  color: #1f2328; background: #fff; }
header { padding: 24px 32px; border-bottom: 1px solid #e5e7eb; }
header h1 { margin: 0; font-size: 22px; } header p { margin: 6px 0 0; color: #57606a; }
main { padding: 8px 32px 48px; max-width: 1200px; }
h2 { font-size: 18px; margin-top: 28px; }
table { border-collapse: collapse; margin: 8px 0; font-size: 14px; }
th, td { border: 1px solid #e5e7eb; padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 13px; }
.seen { color: #1a7f37; } .missing { color: #cf222e; } .unreachable { color: #9a6700; }
.finding { background: #fff8c5; }
details { margin: 6px 0; } summary { cursor: pointer; font-weight: 600; }
"""


def html(report: dict[str, Any], *, title: str = "SOLAPI CRM Core API") -> str:
    """The report as one offline HTML page.

    >>> from contract_coverage import measure
    >>> from contract_coverage.report import build_report
    >>> "default-src 'none'" in html(build_report(measure([])))
    True
    """
    e = escape
    calls = ", ".join(f"{s} {n}" for s, n in report["calls"].items()) or "none"
    tcl = report["tcl"]
    parts = [
        "<!doctype html>",
        '<html lang="ko"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>{e(title)} {e(report['contract'])} — contract coverage</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<header><h1>{e(title)} {e(report['contract'])} — contract coverage</h1>",
        f"<p>Calls: {e(calls)} · Test Coverage Level reached: TCL {tcl['reached']}</p></header>",
        "<main>",
        '<h2 id="findings">Findings</h2>',
    ]
    if report["findings"]:
        parts.append(
            "<table><tr><th>kind</th><th>operation</th><th>what</th><th>value</th><th>seen</th></tr>"
        )
        for f in report["findings"]:
            seen = ", ".join(f"{s} {n}" for s, n in f["sources"].items())
            parts.append(
                f'<tr class="finding"><td>{e(f["kind"])}</td><td>{e(f["operation"] or "-")}</td>'
                f"<td>{e(f['detail'])}</td><td><code>{e(f['value'])}</code></td><td>{e(seen)}</td></tr>"
            )
        parts.append("</table>")
    else:
        parts.append("<p>None: every call kept to what the contract declares.</p>")
    parts.append('<h2 id="coverage">Coverage</h2><table><tr><th>operation</th>')
    parts += [f"<th>{e(TITLES[d])}</th>" for d in DIMENSIONS]
    parts.append("</tr>")
    for op, data in report["operations"].items():
        parts.append(f"<tr><td>{e(op)}</td>")
        parts += [f"<td>{e(_cell(data['dimensions'][d]))}</td>" for d in DIMENSIONS]
        parts.append("</tr>")
    parts.append("<tr><th>all</th>")
    parts += [f"<th>{report['totals'][d]['percent']:g}%</th>" for d in DIMENSIONS]
    parts.append("</tr></table>")
    parts.append(
        '<h2 id="levels">Test Coverage Levels</h2><table><tr><th>TCL</th><th>criterion</th><th>met</th></tr>'
    )
    for entry in tcl["levels"]:
        met = '<span class="seen">yes</span>' if entry["met"] else '<span class="missing">no</span>'
        parts.append(f"<tr><td>{entry['level']}</td><td>{e(entry['name'])}</td><td>{met}</td></tr>")
    parts.append("</table>")
    for op, data in report["operations"].items():
        parts.append(
            f'<h2 id="{e(op)}">{e(op)} <code>{e(data["method"])} {e(data["path"])}</code></h2>'
        )
        for dimension in DIMENSIONS:
            block = data["dimensions"][dimension]
            parts.append(
                f"<details><summary>{e(TITLES[dimension])}: {e(_cell(block))}</summary>"
                "<table><tr><th>item</th><th>seen</th><th>where</th></tr>"
            )
            for row in block["items"]:
                if row["seen"]:
                    state = f'<span class="seen">{row["seen"]}</span>'
                elif "unreachable" in row:
                    state = f'<span class="unreachable">unreachable: {e(row["unreachable"])}</span>'
                else:
                    state = '<span class="missing">not reached</span>'
                parts.append(
                    f"<tr><td><code>{e(row['item'])}</code></td><td>{state}</td>"
                    f"<td>{e(_sources(row))}</td></tr>"
                )
            parts.append("</table></details>")
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"
