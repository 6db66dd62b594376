"""The repository stands alone: no tracked file points outside it, and every relative link of a
tracked markdown file leads to a tracked file (and, for a `#heading`, to a heading of that file).

What a reader needs lives in `docs/` (contract, domain notes, conventions, stack notes)."""

import re
import subprocess
import unicodedata
from pathlib import Path, PurePosixPath
from urllib.parse import unquote

import pytest

PROJECT_DIR = Path(__file__).resolve().parents[1]

# The folder beside the repository where its notes and sources once lived, by the three ways a path
# can reach it. Spelled in pieces (here and in the tests below) so that this file does not match itself.
SHARED = "shared"
OUTSIDE = re.compile(rf"\.\./{SHARED}|{SHARED}/(?:docs|sources)".encode())


def tracked_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z"], cwd=PROJECT_DIR, capture_output=True, check=True).stdout
    return [name for name in out.decode("utf-8").split("\0") if name]


@pytest.fixture(scope="module")
def tracked() -> list[str]:
    files = tracked_files()
    assert {"README.md", "Makefile", "pyproject.toml"} <= set(files), files[:5]
    return files


def text_files(files: list[str]) -> dict[str, bytes]:
    """Tracked files present in the working tree that are text (no NUL byte)."""
    texts = {}
    for name in files:
        path = PROJECT_DIR / name
        if path.is_file():
            data = path.read_bytes()
            if b"\0" not in data:
                texts[name] = data
    return texts


def test_no_tracked_file_refers_outside_the_repository(tracked):
    texts = text_files(tracked)
    assert "docs/contract.md" in texts
    hits = []
    for name, data in texts.items():
        for number, line in enumerate(data.splitlines(), start=1):
            if OUTSIDE.search(line):
                hits.append(f"{name}:{number}: {line.decode('utf-8', 'replace').strip()[:160]}")
    assert hits == [], "\n".join(hits)


# --- markdown links ---------------------------------------------------------------------------------

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
_INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*(<[^>]*>|[^\s)]+)(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)")
_REFERENCE_DEF = re.compile(r"^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)")
_HEADING = re.compile(r"^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def _outside_fences(text: str):
    """(line number, line) of the lines outside fenced code blocks."""
    fence = None
    for number, line in enumerate(text.splitlines(), start=1):
        match = _FENCE.match(line)
        if fence is None and match:
            fence = match[1]
            continue
        if fence is not None:
            if match and match[1][0] == fence[0] and len(match[1]) >= len(fence):
                fence = None
            continue
        yield number, line


def links(text: str) -> list[tuple[int, str]]:
    """Every link target of a markdown text (inline links, images, reference definitions), with the
    line it is on. Link text may run over several lines; fenced blocks and code spans are not prose."""
    prose_lines = dict(_outside_fences(text))
    prose = "\n".join(
        _CODE_SPAN.sub("code", prose_lines.get(number, ""))  # `[x](y)` in a code span is no link
        for number in range(1, len(text.splitlines()) + 1)
    )
    found = [(prose.count("\n", 0, m.start(1)) + 1, m[1]) for m in _INLINE_LINK.finditer(prose)]
    for number, line in enumerate(prose.splitlines(), start=1):
        definition = _REFERENCE_DEF.match(line)
        if definition:
            found.append((number, definition[1]))
    return [(number, target.strip("<>")) for number, target in sorted(found)]


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: inline markup dropped, lower case, punctuation removed
    (letters, marks, digits, `_`, `-` and spaces kept), spaces to hyphens."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "").lower()
    kept = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in "LMN")
    return kept.replace(" ", "-")


def anchors(text: str) -> set[str]:
    """Every heading anchor of a markdown text; a repeated heading gets `-1`, `-2`… as on GitHub."""
    seen: dict[str, int] = {}
    result = set()
    for _, line in _outside_fences(text):
        heading = _HEADING.match(line)
        if heading:
            base = slug(heading[1])
            count = seen.get(base, 0)
            seen[base] = count + 1
            result.add(base if count == 0 else f"{base}-{count}")
    return result


def broken_links(name: str, text: str, files: set[str], read) -> list[str]:
    """The relative links of markdown file `name` that lead nowhere in `files` (paths relative to the
    repository root); `read(path)` returns the text of a tracked markdown file, for anchors."""
    directories = {str(parent) for f in files for parent in PurePosixPath(f).parents}
    problems = []
    for number, target in links(text):
        if _SCHEME.match(target) or target.startswith("//"):
            continue  # a URL (https:, mailto:): not a file of the repository
        path_part, _, fragment = target.partition("#")
        path_part = unquote(path_part.split("?", 1)[0])
        if path_part.startswith("/"):
            problems.append(f"{name}:{number}: absolute path {target!r}")
            continue
        if path_part:
            joined = PurePosixPath(name).parent / path_part
            parts: list[str] = []
            for part in joined.parts:
                if part == "..":
                    if not parts:
                        parts = ["<outside>"]
                        break
                    parts.pop()
                elif part != ".":
                    parts.append(part)
            resolved = "/".join(parts) or "."
            if parts[:1] == ["<outside>"]:
                problems.append(f"{name}:{number}: {target!r} leaves the repository")
                continue
            if resolved not in files and resolved not in directories:
                problems.append(f"{name}:{number}: {target!r} -> {resolved} is not a tracked file")
                continue
        else:
            resolved = name
        in_markdown = resolved.endswith(".md") and resolved in files
        if fragment and in_markdown and unquote(fragment) not in anchors(read(resolved)):
            problems.append(f"{name}:{number}: {target!r}: no heading #{fragment} in {resolved}")
    return problems


def test_every_relative_markdown_link_resolves(tracked):
    files = set(tracked)
    markdown = sorted(f for f in tracked if f.endswith(".md") and (PROJECT_DIR / f).is_file())
    assert {"README.md", "docs/README.md", "docs/contract.md", "docs/domain.md"} <= set(markdown)

    def read(path: str) -> str:
        return (PROJECT_DIR / path).read_text(encoding="utf-8")

    problems = []
    checked = 0
    for name in markdown:
        text = read(name)
        checked += len(links(text))
        problems += broken_links(name, text, files, read)
    assert problems == [], "\n".join(problems)
    assert checked > 20  # the docs link to each other, to raw/ and to the READMEs


# --- the checks themselves, on made-up files ---------------------------------------------------------

FILES = {"README.md", "docs/a.md", "raw/pap/2024/x.txt"}
TEXTS = {
    "README.md": "# Title\n",
    "docs/a.md": "# A\n## The official verdict (RAP)\n## Value statuses (`value_status`)\n## A\n",
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[a](a.md) [r](../README.md) ![x](../raw/pap/2024/x.txt) [d](../raw/pap)", []),
        ("[a](a.md#the-official-verdict-rap) [s](#value-statuses-value_status) [b](#a-1)", []),
        ("[web](https://example.org/x.md) [mail](mailto:a@b.c) `[no](code.md)`", []),
        ('```\n[no](fenced.md)\n```\n[t](<a.md> "title")', []),
        ("[m](missing.md)", ["docs/a.md:1: 'missing.md' -> docs/missing.md is not a tracked file"]),
        ("[o](../../elsewhere/x.md)", ["docs/a.md:1: '../../elsewhere/x.md' leaves the repository"]),
        ("[h](a.md#nowhere)", ["docs/a.md:1: 'a.md#nowhere': no heading #nowhere in docs/a.md"]),
        (
            "\n[r]: ../raw/README.md",
            ["docs/a.md:2: '../raw/README.md' -> raw/README.md is not a tracked file"],
        ),
        ("[abs](/README.md)", ["docs/a.md:1: absolute path '/README.md'"]),
        ("see [the\nheading](#nowhere)", ["docs/a.md:2: '#nowhere': no heading #nowhere in docs/a.md"]),
    ],
)
def test_broken_links_finds_exactly_the_broken_ones(text, expected):
    assert broken_links("docs/a.md", text, FILES, TEXTS.__getitem__) == expected


@pytest.mark.parametrize(
    ("line", "found"),
    [
        (f"see ../{SHARED}/docs/domain.md".encode(), True),
        (f"{SHARED}/sources/rap/README.md".encode(), True),
        (f"/abs/{SHARED}/docs/x".encode(), True),
        (f"(../{SHARED})".encode(), True),
        (b"docs/domain.md and raw/rap/2017/", False),
        (b"a shared/ folder, shared docs", False),
    ],
)
def test_outside_pattern(line, found):
    assert bool(OUTSIDE.search(line)) is found
