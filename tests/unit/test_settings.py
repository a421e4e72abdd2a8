from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from infra.settings import Settings, SettingsError


def test_defaults_need_no_configuration() -> None:
    settings = Settings.from_environ({})

    assert settings.embedded
    assert settings.host == "127.0.0.1"
    assert settings.port == 8211
    assert settings.database_schema == "guichet"
    assert settings.opensearch_url is None
    assert settings.consistency_timeout == 2.0
    assert settings.run_projections is True


def test_searches_are_bounded_in_time_and_their_gaps_kept_90_days() -> None:
    settings = Settings.from_environ({})
    assert (settings.search_timeout, settings.search_gap_days) == (2.0, 90)

    chosen = Settings.from_environ(
        {"GUICHET_SEARCH_TIMEOUT": "0.5", "GUICHET_SEARCH_GAP_DAYS": "30"}
    )
    assert (chosen.search_timeout, chosen.search_gap_days) == (0.5, 30)


def test_settings_are_frozen() -> None:
    settings = Settings.from_environ({})
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.port = 1  # type: ignore[misc]


def test_values_are_read(tmp_path: Path) -> None:
    settings = Settings.from_environ(
        {
            "GUICHET_DATABASE_URL": "postgresql://guichet:secret@db:5432/guichet",
            "GUICHET_OPENSEARCH_URL": "http://search:9200/",
            "GUICHET_DATA_DIR": str(tmp_path),
            "GUICHET_PORT": "9000",
            "GUICHET_RUN_PROJECTIONS": "false",
            "GUICHET_CONSISTENCY_TIMEOUT": "0.5",
        }
    )
    assert not settings.embedded
    assert settings.opensearch_url == "http://search:9200"
    assert settings.data_dir == tmp_path
    assert settings.port == 9000
    assert settings.run_projections is False
    assert settings.consistency_timeout == 0.5


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("GUICHET_PORT", "80a", "TCP port"),
        ("GUICHET_PORT", "70000", "TCP port"),
        ("GUICHET_DATABASE_SCHEMA", "Guichet-Prod", "SQL identifier"),
        ("GUICHET_DATABASE_SCHEMA", "pg_guichet", "not pg_*"),
        ("GUICHET_DATABASE_SCHEMA", "public", "not pg_*, public"),
        ("GUICHET_RUN_PROJECTIONS", "maybe", "true or false"),
        ("GUICHET_CONSISTENCY_TIMEOUT", "0", "seconds"),
        ("GUICHET_POOL_SIZE", "1", "connections"),
        ("GUICHET_LOG_LEVEL", "LOUD", "DEBUG"),
        ("GUICHET_MAX_QUERY_DEPTH", "-3", "whole number"),
        ("GUICHET_SEARCH_TIMEOUT", "0", "seconds"),
        ("GUICHET_SEARCH_GAP_DAYS", "0", "days"),
        ("GUICHET_STATISTICS_MIN_DAYS", "0", "whole number"),
        ("GUICHET_STATISTICS_MIN_POPULATION", "-1", "people"),
        ("GUICHET_STATISTICS_INTERVAL", "0", "seconds"),
        ("GUICHET_STATISTICS_PUBLIC_BUDGET", "-1", "answers an hour"),
        ("GUICHET_STATEMENT_TIMEOUT", "0", "seconds"),
        ("GUICHET_LOCK_TIMEOUT", "0.5", "whole number of seconds"),
        ("GUICHET_IDLE_IN_TRANSACTION_TIMEOUT", "never", "whole number of seconds"),
        ("GUICHET_WRITE_TIMEOUT", "7200", "at most 3600"),
    ],
)
def test_an_invalid_value_names_the_variable_and_what_is_expected(
    variable: str, value: str, expected: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_environ({variable: value})

    assert raised.value.variable == variable
    assert str(raised.value).startswith(f"{variable}={value!r} is invalid: expected")
    assert expected in str(raised.value)


def test_a_data_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "file"
    file.write_text("")
    with pytest.raises(SettingsError, match="GUICHET_DATA_DIR"):
        Settings.from_environ({"GUICHET_DATA_DIR": str(file)})


def test_public_statistics_rules_have_defaults_and_are_read() -> None:
    default = Settings.from_environ({})
    assert (default.statistics_min_days, default.statistics_min_contacts) == (7, 10)
    assert (default.statistics_min_population, default.statistics_interval) == (10_000, 60.0)
    read = Settings.from_environ(
        {"GUICHET_STATISTICS_MIN_DAYS": "1", "GUICHET_STATISTICS_MIN_CONTACTS": "3",
         "GUICHET_STATISTICS_MIN_POPULATION": "0", "GUICHET_STATISTICS_INTERVAL": "0.2"}
    )  # fmt: skip
    assert (read.statistics_min_days, read.statistics_min_contacts) == (1, 3)
    assert (read.statistics_min_population, read.statistics_interval) == (0, 0.2)


def test_every_session_is_bounded_by_default() -> None:
    settings = Settings.from_environ({})
    assert settings.statement_timeout == 10
    assert settings.lock_timeout == 5
    assert settings.idle_in_transaction_timeout == 5
    assert settings.write_timeout == 30


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("GUICHET_DATABASE_URL", "mysql://db/guichet", "postgresql://"),
        ("GUICHET_DATABASE_URL", "postgresql://db", "names the database"),
        ("GUICHET_DATABASE_URL", "postgres://postgres:s3cr3t@[::1:18751/guichet", "IPv6"),
        ("GUICHET_DATABASE_URL", "host=db password=s3cr3t dbname=guichet", "postgresql://"),
        ("GUICHET_DATABASE_URL", "postgresql://db:5432/?user=u&password=s3cr3t", "names the"),
        ("GUICHET_OPENSEARCH_URL", "search:9200", "http://"),
        ("GUICHET_OPENSEARCH_URL", "https://admin:s3cr3t@opensearch:9200[", "http://"),
        ("GUICHET_OPENSEARCH_URL", "htps://admin:s3cr3t@opensearch:9200", "http://"),
    ],
)
def test_an_invalid_url_is_never_repeated_as_it_may_hold_a_password(
    variable: str, value: str, expected: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_environ({variable: value})

    assert raised.value.variable == variable
    assert str(raised.value).startswith(f"{variable} is invalid (not shown")
    assert expected in str(raised.value)
    assert "s3cr3t" not in str(raised.value)
    assert value not in str(raised.value)


def test_the_first_admin_token_file_is_not_resolved_through_a_link(tmp_path: Path) -> None:
    link = tmp_path / "admin-token"
    link.symlink_to(tmp_path / "elsewhere")
    settings = Settings.from_environ({"GUICHET_BOOTSTRAP_ADMIN": str(link)})
    assert settings.bootstrap_admin == link
