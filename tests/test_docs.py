"""docs/contract.md names every table a real run publishes in marts.duckdb, and every table of its
"Tables" list is published: a BI user finds each table's grain and meaning without reading code."""

import re

import duckdb

from .conftest import PROJECT_DIR

CONTRACT = PROJECT_DIR / "docs" / "contract.md"


def contract_tables() -> list[str]:
    """The first column of the contract's table of marts (section `## Tables`)."""
    text = CONTRACT.read_text(encoding="utf-8")
    section = text.split("\n## Tables", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `(\w+)` \|", section, flags=re.M)


def test_the_contract_and_the_published_marts_name_the_same_tables(published):
    with duckdb.connect(str(published / "marts.duckdb"), read_only=True) as con:
        tables = {
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'main'"
            ).fetchall()
        }
    text = CONTRACT.read_text(encoding="utf-8")
    undocumented = sorted(t for t in tables if f"`{t}`" not in text)
    assert undocumented == []
    marts = contract_tables()
    assert len(marts) == len(set(marts)) == 14, marts
    # the contract's table of marts is exactly the published marts; the vocabularies (ref_*) beside
    assert set(marts) == {t for t in tables if not t.startswith("ref_")}
