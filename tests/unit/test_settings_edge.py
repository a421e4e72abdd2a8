"""Settings of the edge: trusted proxies, failed authentications, WebSocket operations."""

from __future__ import annotations

import pytest

from infra.settings import Settings, SettingsError


def test_no_proxy_is_trusted_by_default() -> None:
    settings = Settings.from_environ({})
    assert settings.trusted_proxies == ()
    assert settings.auth_failures == 10
    assert settings.socket_operations == 5
    assert settings.sockets_per_address == 20


def test_trusted_proxies_are_addresses_or_networks() -> None:
    settings = Settings.from_environ({"GUICHET_TRUSTED_PROXIES": "10.0.0.5, 192.168.1.7/16,::1"})
    assert settings.trusted_proxies == ("10.0.0.5/32", "192.168.0.0/16", "::1/128")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("GUICHET_TRUSTED_PROXIES", "*"),
        ("GUICHET_TRUSTED_PROXIES", "proxy.example"),
        ("GUICHET_AUTH_FAILURES", "-1"),
        ("GUICHET_SOCKET_OPERATIONS", "0"),
        ("GUICHET_SOCKETS_PER_ADDRESS", "0"),
        ("GUICHET_SOCKETS_PER_ADDRESS", "many"),
    ],
)
def test_invalid_edge_settings_name_their_variable(variable: str, value: str) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_environ({variable: value})
    assert raised.value.variable == variable
