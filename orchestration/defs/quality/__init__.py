"""Data quality: GX suites as asset checks and the quality report (see checks.py)."""

from orchestration.defs.quality.checks import QUALITY_ASSETS, QUALITY_CHECKS

__all__ = ["QUALITY_ASSETS", "QUALITY_CHECKS"]
