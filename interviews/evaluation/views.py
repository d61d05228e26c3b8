"""The recruiter's guide to the evaluation (docs/EVALUATION.md), served to staff as a page of the admin.

The guide is kept in docs/ as Markdown, where it is reviewed with the code it describes; the page
renders that file with a small renderer for the few constructs it uses (headings, paragraphs,
lists, tables, **bold**, `code`, links), so the runtime needs no Markdown library. Everything is
escaped first: the renderer only ever adds its own tags.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET

GUIDE_PATH = Path(settings.BASE_DIR) / "docs" / "EVALUATION.md"

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`]+)`")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_SAFE_HREF = re.compile(r"^(https?://|#|/)")


def _inline(text: str) -> str:
    html = str(escape(text))
    html = _CODE.sub(r"<code>\1</code>", html)
    html = _BOLD.sub(r"<strong>\1</strong>", html)
    # Only web and in-page links: a guide has no business with other schemes.
    return _LINK.sub(
        lambda m: f'<a href="{m.group(2)}">{m.group(1)}</a>' if _SAFE_HREF.match(m.group(2)) else m.group(1), html
    )


def _table(rows: list[str]) -> str:
    cells = [[cell.strip() for cell in row.strip().strip("|").split("|")] for row in rows]
    head, body = cells[0], [row for row in cells[2:]]
    out = ["<table>", "<thead><tr>", *(f"<th>{_inline(c)}</th>" for c in head), "</tr></thead>", "<tbody>"]
    for row in body:
        out += ["<tr>", *(f"<td>{_inline(c)}</td>" for c in row), "</tr>"]
    return "".join([*out, "</tbody></table>"])


def render_guide(markdown: str) -> SafeString:
    """The guide's Markdown as HTML (the subset docs/EVALUATION.md uses)."""
    blocks: list[str] = []
    lines = markdown.splitlines()
    at = 0
    while at < len(lines):
        line = lines[at]
        if not line.strip():
            at += 1
        elif heading := re.match(r"^(#{1,4})\s+(.*)$", line):
            level = len(heading.group(1))
            blocks.append(f"<h{level}>{_inline(heading.group(2))}</h{level}>")
            at += 1
        elif line.lstrip().startswith("|"):
            rows = []
            while at < len(lines) and lines[at].lstrip().startswith("|"):
                rows.append(lines[at])
                at += 1
            blocks.append(_table(rows))
        elif re.match(r"^\s*[-*]\s+", line):
            items: list[str] = []
            while at < len(lines) and lines[at].strip():
                if re.match(r"^\s*[-*]\s+", lines[at]):
                    items.append(re.sub(r"^\s*[-*]\s+", "", lines[at]))
                else:
                    items[-1] += " " + lines[at].strip()  # a wrapped item goes on
                at += 1
            blocks.append("<ul>" + "".join(f"<li>{_inline(item)}</li>" for item in items) + "</ul>")
        else:
            paragraph = []
            while at < len(lines) and lines[at].strip() and not re.match(r"^(#|\s*\||\s*[-*]\s)", lines[at]):
                paragraph.append(lines[at].strip())
                at += 1
            blocks.append(f"<p>{_inline(' '.join(paragraph))}</p>")
    # Built from escaped text and our own tags only.
    return mark_safe("\n".join(blocks))


@cache
def _guide_html() -> SafeString:
    return render_guide(GUIDE_PATH.read_text(encoding="utf-8"))


@require_GET
@staff_member_required
def evaluation_guide(request: HttpRequest) -> HttpResponse:
    """How a recruiter should read the evaluation (staff only)."""
    return render(
        request, "recruiter/evaluation_guide.html", {"guide": _guide_html(), "title": "Reading the evaluation"}
    )
