"""The bibliography: one REFERENCES.md of primary sources, and every citation in the code found in it."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]
REFERENCES = ROOT / "REFERENCES.md"
# One entry per line: - <a id="KEY"></a>**[KEY]** Authors. Title. *Venue* Year;Vol(Issue):pages. https://...
ENTRY = re.compile(r'- <a id="(?P<key>[a-z0-9][a-z0-9.-]*)"></a>\*\*\[(?P=key)\]\*\* (?P<text>.+\S) (?P<url>\S+)')
URL = re.compile(r"https?://[^\s\"'`]+")
BARE_DOI = re.compile(r"\bdoi:\s*(10\.\S+)", re.IGNORECASE)
# What may follow a URL in running text without being part of it: closing brackets and punctuation.
TRAILING = re.compile(r"[)\]>.,;:'\"*_]*")
# Built from two halves so that this file does not contain the word it looks for.
FORBIDDEN_WORD = "FA" + "CTS"


def _entries() -> list[re.Match]:
    lines = REFERENCES.read_text(encoding="utf-8").splitlines()
    entry_lines = [line for line in lines if line.startswith("- <a id=")]
    entries = [ENTRY.fullmatch(line) for line in entry_lines]
    bad = [line[:80] for line, entry in zip(entry_lines, entries, strict=True) if entry is None]
    assert not bad, f"REFERENCES.md entries not in the documented format: {bad}"
    return entries


def _bibliography_urls() -> set[str]:
    return {entry["url"] for entry in _entries()}


def _dois(urls: set[str]) -> set[str]:
    return {url.split("doi.org/", 1)[1].lower() for url in urls if "doi.org/" in url}


def _missing_citations(text: str, urls: set[str]) -> list[str]:
    """URLs (and bare ``doi:`` citations) in `text` that no bibliography entry carries."""
    missing = []
    for raw in URL.findall(text):
        # A URL in prose may be followed by ")", "." ...; it is cited if a bibliography URL plus such
        # punctuation makes up the whole token (DOIs may themselves contain brackets).
        if not any(raw.startswith(url) and TRAILING.fullmatch(raw[len(url):]) for url in urls):
            missing.append(raw)
    dois = _dois(urls)
    for doi in BARE_DOI.findall(text):
        if not any(doi.lower().startswith(known) and TRAILING.fullmatch(doi[len(known):]) for known in dois):
            missing.append(f"doi:{doi}")
    return missing


def _docstrings_and_comments(path: Path) -> str:
    source = path.read_text(encoding="utf-8")
    docstrings = [
        ast.get_docstring(node, clean=False) or ""
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
    ]
    comments = [tok.string for tok in tokenize.generate_tokens(io.StringIO(source).readline)
                if tok.type == tokenize.COMMENT]
    return "\n".join(docstrings + comments)


def _text_files(folder: str) -> list[Path]:
    suffixes = {".py", ".md", ".toml", ".tsv", ".txt", ".json", ".cfg", ".yml", ".yaml"}
    return sorted(p for p in (ROOT / folder).rglob("*") if p.is_file() and p.suffix in suffixes)


# ----------------------------------------------------------------------------------------------- the list itself
def test_bibliography_keys_are_unique_and_sorted():
    keys = [entry["key"] for entry in _entries()]
    assert len(keys) > 50, "REFERENCES.md lists fewer entries than the course cites"
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    assert not duplicates, f"keys used twice in REFERENCES.md: {duplicates}"
    assert keys == sorted(keys), "REFERENCES.md entries must be sorted by key"


def test_bibliography_urls_are_well_formed_and_listed_once():
    urls = [entry["url"] for entry in _entries()]
    for url in urls:
        parts = urlsplit(url)
        assert parts.scheme == "https" and "." in parts.netloc, f"not a full https URL: {url}"
        assert URL.fullmatch(url), f"URL with a space or quote: {url}"
        if parts.netloc == "doi.org":
            assert re.fullmatch(r"/10\.\d{4,9}/\S+", parts.path), f"not a DOI link: {url}"
    repeated = sorted({url for url in urls if urls.count(url) > 1})
    assert not repeated, f"one source, one entry: {repeated} appear more than once"


def test_every_entry_names_authors_title_and_venue():
    for entry in _entries():
        text = entry["text"]
        assert text.count(". ") >= 1 and re.search(r"\*[^*]+\*", text), (
            f"[{entry['key']}] needs 'Authors. Title. *Venue* Year...': {text[:80]}"
        )
        assert re.search(r"\b(1[89]|20)\d\d\b", text), f"[{entry['key']}] has no year"


def test_missing_citation_detection_handles_punctuation_and_bare_dois():
    urls = {"https://doi.org/10.1002/(SICI)1522-2586(199904)9:4<531::AID-JMRI4>3.0.CO;2-L", "https://a.org/x"}
    text = "see (https://doi.org/10.1002/(SICI)1522-2586(199904)9:4<531::AID-JMRI4>3.0.CO;2-L); [x](https://a.org/x))."
    assert _missing_citations(text, urls) == []
    assert _missing_citations("doi:10.1002/(sici)1522-2586(199904)9:4<531::aid-jmri4>3.0.co;2-l.", urls) == []
    assert _missing_citations("https://a.org/xy and doi:10.1/zz", urls) == ["https://a.org/xy", "doi:10.1/zz"]


# ----------------------------------------------------------------------------------------------- the code
@pytest.mark.parametrize("folder", ["helpers", "tests", "tools"])
def test_no_citation_of_the_working_fact_sheet(folder):
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _text_files(folder)
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
        if FORBIDDEN_WORD in line
    ]
    assert not offenders, f"cite the primary source from REFERENCES.md instead: {offenders}"


def test_helper_citations_are_in_the_bibliography():
    urls = _bibliography_urls()
    missing = {
        str(path.relative_to(ROOT)): found
        for path in sorted((ROOT / "helpers").rglob("*.py"))
        if (found := _missing_citations(_docstrings_and_comments(path), urls))
    }
    assert not missing, f"add these sources to REFERENCES.md (or fix the link): {missing}"


def test_helper_references_sections_are_numbered_citations():
    """A numpydoc References section lists ``.. [n]`` entries, each with a link the bibliography has."""
    urls = _bibliography_urls()
    for path in sorted((ROOT / "helpers").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef | ast.ClassDef):
                continue
            doc = ast.get_docstring(node) or ""
            if "\nReferences\n----------" not in doc:
                continue
            section = re.split(r"\n\S[^\n]*\n-{3,}\n", doc.split("\nReferences\n----------", 1)[1])[0]
            items = re.split(r"\n(?=\.\. \[\d+\])", section.strip())
            where = f"{path.relative_to(ROOT)}:{node.name}"
            assert items and all(re.match(r"\.\. \[\d+\] ", item) for item in items), f"{where}: bad References"
            for item in items:
                assert URL.search(item), f"{where}: reference without a link: {item[:60]}"
                assert not _missing_citations(item, urls), f"{where}: {item[:60]} not in REFERENCES.md"


# ----------------------------------------------------------------------------------------------- the notebooks
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _cells(path: Path) -> list[dict]:
    import nbformat

    return nbformat.read(path, as_version=4).cells


def _references_section(cells: list[dict]) -> str | None:
    """Text from the ``## References`` heading to the next heading of level 1 or 2 (or the end)."""
    text = "\n".join(cell.source for cell in cells if cell.cell_type == "markdown")
    match = re.search(r"^## References[ \t]*$(?P<body>.*?)(?=^#{1,2} |\Z)", text, re.MULTILINE | re.DOTALL)
    return None if match is None else match["body"]


def test_there_are_notebooks_to_check():
    assert NOTEBOOKS, "no notebooks found"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_does_not_cite_the_working_fact_sheet(path):
    offenders = [
        f"cell {i}: {line.strip()[:70]}"
        for i, cell in enumerate(_cells(path))
        for line in cell.source.splitlines()
        if FORBIDDEN_WORD in line
    ]
    assert not offenders, f"{path.name}: cite the primary source from REFERENCES.md instead: {offenders}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_lists_its_references_and_the_bibliography_has_them(path):
    section = _references_section(_cells(path))
    assert section is not None, f"{path.name} has no '## References' markdown section"
    assert URL.search(section), f"{path.name}: the References section links no source"
    missing = _missing_citations(section, _bibliography_urls())
    assert not missing, f"{path.name}: add these to REFERENCES.md (or fix the link): {missing}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_doi_a_notebook_cites_is_in_the_bibliography(path):
    text = "\n".join(cell.source for cell in _cells(path))
    cited = [raw for raw in URL.findall(text) if "doi.org/" in raw] + [f"doi:{d}" for d in BARE_DOI.findall(text)]
    missing = _missing_citations("\n".join(cited), _bibliography_urls())
    assert not missing, f"{path.name}: DOIs missing from REFERENCES.md: {missing}"


def test_references_section_is_found_and_checked():
    from types import SimpleNamespace as Cell

    known = "https://doi.org/10.1259/0007-1285-46-552-1016"
    cells = [Cell(cell_type="markdown", source="## Recap\n- water 0 HU (https://example.org/not-a-reference)"),
             Cell(cell_type="code", source="x = 1"),
             Cell(cell_type="markdown", source=f"## References\n- [Hounsfield 1973]({known})\n- https://x.org/new"),
             Cell(cell_type="markdown", source="## Appendix\nhttps://example.org/after")]
    section = _references_section(cells)
    assert known in section and "example.org" not in section
    assert _missing_citations(section, _bibliography_urls()) == ["https://x.org/new"]
    assert _references_section(cells[:2]) is None
