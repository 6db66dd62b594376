"""A Dagster logger that tells a person at a terminal what the run is doing and how far along it is:
one line per step started and finished, a counter for dbt models and tests, failed checks at once."""

import logging
import sys
import time

import dagster as dg


class ProgressHandler(logging.Handler):
    def __init__(self, stream=None):
        super().__init__(level=logging.DEBUG)
        # The terminal itself: make run sends sys.stdout (dbt's chatter) to a log file.
        self.stream = stream or sys.__stdout__
        self.started: dict[str, float] = {}
        self.materialized = 0
        self.checks = 0

    def _say(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None)
        event = meta.get("dagster_event") if meta else None
        if event is None:
            return
        step = event.step_key or ""
        kind = event.event_type_value
        if kind == "STEP_START":
            self.started[step] = time.monotonic()
            self._say(f"  → {step} …")
        elif kind == "STEP_SUCCESS":
            took = time.monotonic() - self.started.get(step, time.monotonic())
            self._say(f"  ✓ {step} ({took:.1f} s; {self.materialized} assets, {self.checks} checks so far)")
        elif kind == "STEP_FAILURE":
            self._say(f"  ✗ {step} FAILED: {event.event_specific_data.error.message.strip()[:500]}")
        elif kind == "STEP_SKIPPED":
            self._say(f"  – {step} skipped (an upstream step failed or a blocking check failed)")
        elif kind == "ASSET_MATERIALIZATION":
            self.materialized += 1
            if self.materialized % 10 == 0:
                self._say(f"    … {self.materialized} assets materialized")
        elif kind == "ASSET_CHECK_EVALUATION":
            self.checks += 1
            evaluation = event.event_specific_data
            if not evaluation.passed:
                level = "FAILED" if evaluation.severity == dg.AssetCheckSeverity.ERROR else "warned"
                self._say(
                    f"    ! check {level}: {evaluation.asset_key.to_user_string()} · {evaluation.check_name}"
                )


@dg.logger(description="One line per step and failed check, for the terminal (make run).")
def progress_logger(init_context) -> logging.Logger:
    logger = logging.Logger("progress", level=logging.DEBUG)
    logger.addHandler(ProgressHandler())
    return logger
