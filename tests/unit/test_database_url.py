"""A password written into GUICHET_DATABASE_URL as it is: the settings say to percent-encode
it, without repeating it, while URLs libpq reads as meant are kept."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from psycopg import ProgrammingError
from psycopg.conninfo import conninfo_to_dict

from infra.settings import Settings, SettingsError

PASSWORDS = ["p@ss", "pa/ss", "pa#ss", "pa?ss", "pa%ss", "50%off", "a@b/c#d"]


def refusal(url: str) -> str:
    with pytest.raises(SettingsError) as refused:
        Settings.from_environ({"GUICHET_DATABASE_URL": url})
    return str(refused.value)


@pytest.mark.parametrize("password", PASSWORDS)
def test_a_password_with_a_sign_as_it_is_is_refused_saying_how_to_write_it(
    password: str,
) -> None:
    line = refusal(f"postgresql://guichet:{password}@127.0.0.1:5432/guichet")
    assert line.startswith("GUICHET_DATABASE_URL is invalid")
    assert "percent-encode the password: @ is %40, / is %2F" in line
    assert "% is %25" in line
    assert password not in line


@pytest.mark.parametrize(
    "url",
    ["postgresql://guichet:p%40ss@127.0.0.1:5432/guichet",
     "postgresql://guichet:pa:ss@db.example/guichet",  # libpq takes the first colon
     "postgresql://guichet@db.example/guichet?user=someone@example",
     "postgresql://db.example/odd@name",
     "postgresql://guichet@/guichet?host=/var/run/postgresql",
     "postgres://db.example:6543/guichet"],
)  # fmt: skip
def test_urls_libpq_reads_as_meant_are_kept(url: str) -> None:
    assert Settings.from_environ({"GUICHET_DATABASE_URL": url}).database_url == url
    params = conninfo_to_dict(url)
    assert "@" not in str(params.get("host", ""))


@pytest.mark.parametrize("password", PASSWORDS)
def test_the_refused_urls_are_read_otherwise_than_meant(password: str) -> None:
    """What the check stands for: libpq, or a URL parser, takes another host or port or
    password than the one meant, or refuses the URL."""
    url = f"postgresql://guichet:{password}@127.0.0.1:5432/guichet"
    meant = ("127.0.0.1", "5432", password)
    parts = urlsplit(url)
    try:
        by_parser = (parts.hostname, str(parts.port), parts.password)
    except ValueError:  # no port it can read
        return
    try:
        params = conninfo_to_dict(url)
    except ProgrammingError:  # libpq refuses an escape that is none
        return
    by_libpq = (params.get("host"), params.get("port"), params.get("password"))
    assert by_libpq != meant or by_parser != meant


def test_other_refusals_of_a_url_with_a_password_do_not_repeat_it() -> None:
    line = refusal("postgresql://guichet:hunter2@db.example:5432")
    assert "names the database" in line
    assert "hunter2" not in line
    # Nor one without: in libpq's other forms (`?password=`, `password=`) it may hold one too.
    assert "mysql://db/guichet" not in refusal("mysql://db/guichet")
