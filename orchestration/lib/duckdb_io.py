"""Opening the warehouse file. DuckDB lets one process write a file and refuses every other
process while it does (readers included): wait a bounded time, then fail with a message that names
the lock, never hang."""

import re
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb


class WarehouseLockedError(RuntimeError):
    pass


DEFAULT_CONFIG = {"threads": 2}


def connect(
    path: Path,
    *,
    read_only: bool = False,
    timeout_s: float = 30.0,
    config: Mapping[str, Any] | None = None,
) -> duckdb.DuckDBPyConnection:
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout_s
    delay = 0.2
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only, config=dict(config or DEFAULT_CONFIG))
        except duckdb.IOException as exc:
            message = str(exc)
            if "lock" not in message.lower():
                raise
            if time.monotonic() >= deadline:
                holder = re.search(r"PID (\d+)", message)
                who = f"process {holder.group(1)}" if holder else "another process"
                raise WarehouseLockedError(
                    f"{path} is locked by {who} (DuckDB allows one writer and blocks readers while it "
                    f"writes); waited {timeout_s:.0f} s. Close the other client (CLI, notebook, BI tool "
                    f"pointed at the warehouse instead of data/marts.duckdb) and run again. DuckDB said: {message}"
                ) from exc
            time.sleep(delay)
            delay = min(delay * 2, 2.0)


@contextmanager
def connection(
    path: Path,
    *,
    read_only: bool = False,
    timeout_s: float = 30.0,
    config: Mapping[str, Any] | None = None,
) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect(path, read_only=read_only, timeout_s=timeout_s, config=config)
    try:
        yield con
    finally:
        con.close()


def dict_rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    """The rows of a query as dicts keyed by column name."""
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
