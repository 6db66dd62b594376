"""Programme and mission pages rendered only when what they show changed.

A page's digest covers its template, the code (templates and views: `code_version`) and everything
the template is given but the footer's publication stamp; `.pages.json`, beside the pages, keeps
the digest of each page as last written. A page kept as it was says in its footer which publication
it was rendered from, whose rows for it are the same. Rendering the pages is most of the
scorecard's time. A new document of a year already shown changes the pages of its programme and
mission only; a new year adds a column to every page, which are then all rendered again (the index
always is).
"""

import hashlib
import json
import pickle
from pathlib import Path

from orchestration.lib.fingerprint import code_version

from .data import Mission

MANIFEST = ".pages.json"


class PageCache:
    def __init__(self, out_dir: Path) -> None:
        self.manifest = out_dir / MANIFEST
        try:
            self.before: dict[str, str] = json.loads(self.manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.before = {}
        self.after: dict[str, str] = {}
        self.rendered = self.kept = 0
        self._missions: dict[int, bytes] = {}

    def _bytes(self, value) -> bytes:
        # Pickled, not repr'd: the same objects give the same bytes, five times faster. A mission
        # (its programmes and measures) is given to each of its pages and to its neighbours': its
        # bytes are computed once.
        if isinstance(value, Mission):
            if id(value) not in self._missions:
                self._missions[id(value)] = pickle.dumps(value, protocol=5)
            return self._missions[id(value)]
        return pickle.dumps(value, protocol=5)

    def unchanged(self, path: Path, template: str, context: dict) -> bool:
        """Whether `path`, as last written, already shows `context` through `template`: then it is
        kept; otherwise the caller renders it."""
        digest = hashlib.sha256(f"{code_version()}\0{template}".encode())
        for name in sorted(context):
            if name != "footer":
                digest.update(f"\0{name}\0".encode() + self._bytes(context[name]))
        digest = digest.hexdigest()
        self.after[path.name] = digest
        if self.before.get(path.name) == digest and path.exists():
            self.kept += 1
            return True
        self.rendered += 1
        return False

    def save(self) -> None:
        self.manifest.write_text(json.dumps(self.after, indent=0, sort_keys=True), encoding="utf-8")
