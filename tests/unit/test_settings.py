"""Settings from the environment, and the rules they enforce."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

import pipelines.settings
from pipelines.settings import (
    SAMPLE_DIRS,
    Settings,
    SettingsError,
    credential,
    parse_source_dirs,
    service_url,
)

pytestmark = pytest.mark.unit
SETTINGS_CODE = Path(pipelines.settings.__file__)
ENV_EXAMPLE = SETTINGS_CODE.parents[1] / ".env.example"


def test_source_dirs_parse(tmp_path: Path) -> None:
    assert parse_source_dirs(f"openalex={tmp_path}") == {"openalex": tmp_path.resolve()}
    assert parse_source_dirs(f"openalex={tmp_path};patents={tmp_path}") == {
        "openalex": tmp_path.resolve(),
        "patents": tmp_path.resolve(),
    }
    assert parse_source_dirs(f"funding={tmp_path}") == {"funding": tmp_path.resolve()}
    assert parse_source_dirs("") == {}
    with pytest.raises(SettingsError, match="unknown source"):
        parse_source_dirs("trade=/x")
    with pytest.raises(SettingsError, match="source=PATH"):
        parse_source_dirs("openalex")


def test_output_and_state_must_be_separate(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="must be separate"):
        Settings(out_dir=tmp_path, state_dir=tmp_path / "state")
    with pytest.raises(SettingsError, match="mode"):
        Settings(mode="offline", out_dir=tmp_path / "o", state_dir=tmp_path / "s")


def test_modes_choose_where_sources_are_read(tmp_path: Path) -> None:
    sample = Settings(out_dir=tmp_path / "o", state_dir=tmp_path / "s")
    assert sample.source_dir("openalex") == SAMPLE_DIRS["openalex"]
    assert sample.dataset_kind("openalex") == "synthetic sample"
    live = Settings(mode="live", out_dir=tmp_path / "o", state_dir=tmp_path / "s")
    assert live.source_dir("openalex") is None and live.dataset_kind("openalex") == "live"
    folder = Settings(
        source_dirs={"openalex": tmp_path}, out_dir=tmp_path / "o", state_dir=tmp_path / "s"
    )
    assert (
        folder.source_dir("openalex") == tmp_path and folder.dataset_kind("openalex") == "directory"
    )


def test_from_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("QCM_MODE", "live")
    monkeypatch.setenv("QCM_OUT", str(tmp_path / "o"))
    monkeypatch.setenv("QCM_STATE", str(tmp_path / "s"))
    settings = Settings.from_env()
    assert settings.mode == "live"
    assert settings.working_db == tmp_path / "s" / "work" / "qcm.duckdb"
    assert settings.published_db == tmp_path / "o" / "qcm.duckdb"


def test_credentials_are_checked_without_showing_them() -> None:
    assert credential("K", "get one", {"K": " abc "}) == "abc"
    with pytest.raises(SettingsError, match="K is not set: get one"):
        credential("K", "get one", {})
    with pytest.raises(SettingsError, match="control characters") as caught:
        credential("K", "get one", {"K": "secret-value\r\nmore"})
    assert "secret-value" not in str(caught.value)


def test_service_urls_are_https_except_to_loopback() -> None:
    assert service_url("U", "https://api.example.org/", {}) == "https://api.example.org"
    assert service_url("U", "x", {"U": "http://127.0.0.1:8080"}) == "http://127.0.0.1:8080"
    with pytest.raises(SettingsError, match="must be https"):
        service_url("U", "x", {"U": "http://api.example.org"})


@pytest.fixture
def folders(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Output and working state in ``tmp_path`` (``QCM_OUT``, ``QCM_STATE``), for a test
    that reads the other settings from the environment."""
    monkeypatch.setenv("QCM_OUT", str(tmp_path / "out"))
    monkeypatch.setenv("QCM_STATE", str(tmp_path / "state"))


@pytest.mark.usefixtures("folders")
def test_refetch_reaches_the_assets_through_the_resource(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipelines.resources import QcmResource

    monkeypatch.setenv("QCM_REFETCH", "1")
    assert QcmResource.from_env().settings.refetch is True
    monkeypatch.setenv("QCM_REFETCH", "")
    assert QcmResource.from_env().settings.refetch is False


@pytest.mark.usefixtures("folders")
def test_small_numbers_are_flagged_unless_suppressed_and_nothing_else(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from assets.reference.assets import publication_settings
    from pipelines.resources import QcmResource

    monkeypatch.delenv("QCM_SMALL_NUMBERS", raising=False)
    assert QcmResource.from_env().settings.small_numbers == "flag"
    monkeypatch.setenv("QCM_SMALL_NUMBERS", "suppress")
    assert QcmResource.from_env().settings.small_numbers == "suppress"
    monkeypatch.setenv("QCM_SMALL_NUMBERS", "hide")
    with pytest.raises(SettingsError, match=r"'hide' is not one of \('flag', 'suppress'\)"):
        Settings.from_env()
    rows = publication_settings("suppress").to_dicts()
    assert [(r["key"], r["value"]) for r in rows] == [("small_numbers", "suppress")]
    assert "without its numbers" in rows[0]["description"]
    assert "without" not in publication_settings("flag")["description"][0]


@pytest.mark.usefixtures("folders")
def test_a_build_is_as_of_the_day_set_or_its_runs_own(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipelines.resources import QcmResource

    monkeypatch.setenv("QCM_AS_OF", "")
    assert QcmResource.from_env().settings.as_of is None  # the run's own day
    monkeypatch.setenv("QCM_AS_OF", " 2026-12-05 ")
    assert QcmResource.from_env().as_of == "2026-12-05"
    assert QcmResource.from_env().settings.as_of == date(2026, 12, 5)
    for wrong in ("2026-13-01", "5 December 2026", "2026"):
        monkeypatch.setenv("QCM_AS_OF", wrong)
        with pytest.raises(SettingsError, match=rf"as-of date '{wrong}' is not a day such as"):
            Settings.from_env()


def test_the_env_example_names_every_setting_the_build_reads() -> None:
    # the Dagster UI and daemon read their settings from a .env made from .env.example: a
    # setting it leaves out (QCM_MODE, which the schedules need to fetch) is never found
    read = set(re.findall(r"environ\.get\(\"(QCM_[A-Z_]+)\"", SETTINGS_CODE.read_text()))
    listed = set(re.findall(r"^#? ?(QCM_[A-Z_]+)=", ENV_EXAMPLE.read_text(), re.MULTILINE))
    assert read and read <= listed, sorted(read - listed)
