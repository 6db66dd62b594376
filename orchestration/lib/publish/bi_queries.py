"""The README's example BI queries, read from the README itself so that the documentation, the
BI-client test and the benchmark run the same SQL."""

import re

from orchestration.lib.settings import PROJECT_DIR

SECTION = "## Querying the marts from a BI tool"


def readme_queries() -> dict[str, str]:
    """The SQL blocks of the README's BI section, by the title above them."""
    text = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    section = text.split(SECTION, 1)[1].split("\n## ", 1)[0]
    return {
        title.strip(): sql.strip()
        for title, sql in re.findall(r"^#### (.+?)\n+```sql\n(.+?)```", section, flags=re.S | re.M)
    }
