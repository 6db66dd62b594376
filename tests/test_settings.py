"""The settings are read one way (the environment, then `.env`, then the defaults), and the steward's
extra exceptions file with them: relative to the project folder, an error when it does not exist."""

import re
from pathlib import Path

import pytest

from orchestration.lib.quality.exceptions import EXCEPTIONS_FILE, load_exceptions
from orchestration.lib.settings import PROJECT_DIR, load_settings, project_environment

HEADER = "measure_key,rule,reason,reviewed_by,reviewed_on\n"


def test_a_relative_extra_exceptions_path_is_taken_from_the_project_folder():
    settings = load_settings({"QUALITY_EXTRA_EXCEPTIONS": "expectations/exceptions.csv"})
    assert settings.extra_exceptions == EXCEPTIONS_FILE
    assert load_settings({}).extra_exceptions is None


def test_env_file_sets_the_extra_exceptions_and_the_environment_wins(tmp_path):
    env_file = tmp_path / "steward.env"
    env_file.write_text("QUALITY_EXTRA_EXCEPTIONS=from-dotenv.csv\n", encoding="utf-8")
    from_dotenv = project_environment({"ENV_FILE": str(env_file)})
    assert load_settings(from_dotenv).extra_exceptions == PROJECT_DIR / "from-dotenv.csv"
    both = project_environment({"ENV_FILE": str(env_file), "QUALITY_EXTRA_EXCEPTIONS": "/x/y.csv"})
    assert load_settings(both).extra_exceptions == Path("/x/y.csv")


def test_the_extra_exceptions_add_to_the_reviewed_ones(tmp_path):
    extra = tmp_path / "extra.csv"
    extra.write_text(HEADER + "123,percent_within_0_100,why,who,2026-12-02\n", encoding="utf-8")
    shipped = load_exceptions()
    both = load_exceptions(extra=extra)
    assert both[: len(shipped)] == shipped and both[len(shipped) :] == [
        {"measure_key": "123", "rule": "percent_within_0_100", "reason": "why", "reviewed_by": "who",
         "reviewed_on": "2026-12-02"}
    ]  # fmt: skip


def test_a_named_extra_exceptions_file_that_is_missing_is_an_error(tmp_path):
    missing = tmp_path / "nowhere.csv"
    with pytest.raises(
        FileNotFoundError, match=f"QUALITY_EXTRA_EXCEPTIONS names {missing}, which does not exist"
    ):
        load_exceptions(extra=missing)


def test_env_example_lists_every_variable_the_settings_read():
    from orchestration.lib.settings import VARIABLES

    text = (PROJECT_DIR / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))
    assert set(VARIABLES) <= listed, set(VARIABLES) - listed
