"""A basic automated accessibility check of the rendered site's HTML pages.

Checks, per page: the document has a ``lang`` and a ``<title>``; every ``<img>`` has non-empty alt text that is
neither nbconvert's placeholder nor the site builder's generic fallback; headings do not skip levels on the way
down (h1 -> h3). Returns the problems found.
"""

from __future__ import annotations

import sys
from html.parser import HTMLParser
from pathlib import Path

PLACEHOLDER = "No description has been provided for this image"
GENERIC = "Figure of the section"  # tools/build_site.py's fallback when a notebook gives no "*Figure:*" sentence


class _Audit(HTMLParser):
    def __init__(self):
        super().__init__()
        self.problems: list[str] = []
        self.levels: list[int] = []
        self.has_lang = self.has_title = False
        self.n_images = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html" and attrs.get("lang"):
            self.has_lang = True
        elif tag == "title":
            self.has_title = True
        elif tag == "img":
            self.n_images += 1
            alt = (attrs.get("alt") or "").strip()
            if not alt or alt == PLACEHOLDER:
                self.problems.append(f"image {self.n_images} has no alt text")
            elif alt.startswith(GENERIC):
                self.problems.append(f"image {self.n_images} has only generic alt text ({alt!r}): add a "
                                     "'*Figure:*' sentence to the markdown before it")
        elif len(tag) == 2 and tag[0] == "h" and tag[1].isdigit():
            level = int(tag[1])
            if self.levels and level > self.levels[-1] + 1:
                self.problems.append(f"heading h{level} follows h{self.levels[-1]} (skips a level)")
            if not self.levels and level != 1:
                self.problems.append(f"first heading is h{level}, not h1")
            self.levels.append(level)


def audit_html(text: str) -> list[str]:
    """Return the accessibility problems of one HTML document (empty list = passes)."""
    audit = _Audit()
    audit.feed(text)
    if not audit.has_lang:
        audit.problems.append("<html> has no lang attribute")
    if not audit.has_title:
        audit.problems.append("page has no <title>")
    return audit.problems


def audit_site(folder: Path) -> dict[str, list[str]]:
    """Audit every ``*.html`` page in ``folder``; return ``{page: problems}`` for pages with problems."""
    report = {page.name: audit_html(page.read_text()) for page in sorted(Path(folder).glob("*.html"))}
    return {name: problems for name, problems in report.items() if problems}


if __name__ == "__main__":
    folder = Path(sys.argv[1] if len(sys.argv) > 1 else "build/site")
    problems = audit_site(folder)
    for name, items in problems.items():
        print(f"{name}: " + "; ".join(items))
    print("accessibility check:", "FAILED" if problems else "passed", f"({folder})")
    sys.exit(1 if problems else 0)
