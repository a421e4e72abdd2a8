"""Each kind of process's connections at most, from the settings."""

from __future__ import annotations

import pytest

from infra.budget import api_pools, application_name, worker_pools
from infra.settings import Settings, SettingsError


def test_the_api_keeps_its_pool_size_open_and_may_open_the_overflow_more() -> None:
    settings = Settings.from_environ({"GUICHET_POOL_SIZE": "4", "GUICHET_POOL_OVERFLOW": "3"})

    pools = api_pools(settings)
    assert (pools.size, pools.most) == (4, 7)
    assert pools.budget == 14
    assert api_pools(settings, projections=9).budget == 14 + 9  # one listener each


def test_a_worker_needs_a_few_connections_for_each_projection_it_runs() -> None:
    settings = Settings.from_environ({"GUICHET_POOL_SIZE": "50", "GUICHET_WORKER_POOL_SIZE": "2"})

    assert worker_pools(settings, 1).budget == 2 * 2 + 1
    assert worker_pools(settings, 3).budget == 2 * 6 + 3
    assert worker_pools(settings, 1).size == 1


def test_defaults_bound_the_overflow() -> None:
    settings = Settings.from_environ({})
    assert (settings.pool_size, settings.pool_overflow, settings.worker_pool_size) == (8, 4, 2)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("GUICHET_POOL_OVERFLOW", "-1"),
        ("GUICHET_POOL_OVERFLOW", "201"),
        ("GUICHET_WORKER_POOL_SIZE", "0"),
        ("GUICHET_WORKER_POOL_SIZE", "51"),
    ],
)
def test_pool_settings_out_of_range_are_refused(variable: str, value: str) -> None:
    with pytest.raises(SettingsError, match="connections from"):
        Settings.from_environ({variable: value})


def test_sessions_are_named_after_the_role_within_postgresql_limit() -> None:
    assert application_name("api") == "guichet-api"
    assert len(application_name("project-" + "-".join(["interactions"] * 9))) == 63
