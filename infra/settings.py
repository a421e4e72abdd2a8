"""Settings, read once from the environment into a frozen object."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import platformdirs

from infra.setting_urls import Unshown, http_url, postgres_url

T = TypeVar("T")

_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,40}$")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# `/metrics`: for tokens that may see health details, for anyone, or not served.
METRICS_ACCESS = ("admin", "public", "off")


class SettingsError(ValueError):
    """An environment variable holds a value Guichet cannot use."""

    def __init__(self, variable: str, value: str | None, expected: str) -> None:
        """`value` None: it may hold a password, and is not repeated."""
        if value is None:
            super().__init__(
                f"{variable} is invalid (not shown: it may hold a password): {expected}"
            )
        else:
            super().__init__(f"{variable}={value!r} is invalid: expected {expected}")
        self.variable = variable


@dataclass(frozen=True)
class Settings:
    database_url: str | None
    database_schema: str
    opensearch_url: str | None
    data_dir: Path
    host: str
    port: int
    tokens_file: Path | None
    tokens: str | None
    run_projections: bool
    workers: int
    consistency_timeout: float
    pool_size: int
    pool_overflow: int
    worker_pool_size: int
    log_level: str
    max_query_depth: int
    max_aliases: int
    max_tokens: int
    max_cost: int
    max_body_bytes: int
    rate_limit: int
    production: bool
    public_persisted_only: bool
    statistics_threshold: int
    search_timeout: float
    search_gap_days: int
    trusted_proxies: tuple[str, ...]
    auth_failures: int
    socket_operations: int
    statistics_min_days: int
    statistics_min_contacts: int
    statistics_min_population: int
    statistics_interval: float
    statistics_public_budget: int
    statement_timeout: float
    lock_timeout: int
    idle_in_transaction_timeout: int
    write_timeout: float
    sockets_per_address: int
    # Where `serve` writes the first admin token of a log that never held one (None: nowhere).
    metrics: str
    bootstrap_admin: Path | None = None
    progress_every: float | None = 5.0  # None: no progress lines
    migration_wait: float = 300.0  # seconds a process waits for another's migration

    @property
    def embedded(self) -> bool:
        return self.database_url is None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        read = _Reader(environ)
        return cls(
            database_url=read.optional("GUICHET_DATABASE_URL", postgres_url),
            database_schema=read("GUICHET_DATABASE_SCHEMA", "guichet", _schema_name),
            opensearch_url=read.optional("GUICHET_OPENSEARCH_URL", http_url),
            data_dir=read("GUICHET_DATA_DIR", platformdirs.user_data_dir("guichet"), _directory),
            host=read("GUICHET_HOST", "127.0.0.1", _non_empty),
            port=read("GUICHET_PORT", "8211", _port),
            tokens_file=read.optional("GUICHET_TOKENS_FILE", _file_path),
            tokens=read.optional("GUICHET_TOKENS", _non_empty),
            run_projections=read("GUICHET_RUN_PROJECTIONS", "true", _boolean),
            workers=read("GUICHET_WORKERS", "1", _workers),
            consistency_timeout=read("GUICHET_CONSISTENCY_TIMEOUT", "2", _seconds),
            pool_size=read("GUICHET_POOL_SIZE", "8", _pool_size),
            pool_overflow=read("GUICHET_POOL_OVERFLOW", "4", _pool_overflow),
            worker_pool_size=read("GUICHET_WORKER_POOL_SIZE", "2", _worker_pool_size),
            log_level=read("GUICHET_LOG_LEVEL", "INFO", _log_level),
            max_query_depth=read("GUICHET_MAX_QUERY_DEPTH", "12", _limit),
            max_aliases=read("GUICHET_MAX_ALIASES", "30", _limit),
            max_tokens=read("GUICHET_MAX_TOKENS", "5000", _limit),
            max_cost=read("GUICHET_MAX_COST", "20000", _limit),
            max_body_bytes=read("GUICHET_MAX_BODY_BYTES", "1000000", _limit),
            rate_limit=read("GUICHET_RATE_LIMIT", "50", _rate),
            production=read("GUICHET_MODE", "development", _mode) == "production",
            public_persisted_only=read("GUICHET_PUBLIC_PERSISTED_ONLY", "false", _boolean),
            statistics_threshold=read("GUICHET_STATISTICS_THRESHOLD", "5", _limit),
            search_timeout=read("GUICHET_SEARCH_TIMEOUT", "2", _seconds),
            search_gap_days=read("GUICHET_SEARCH_GAP_DAYS", "90", _days),
            trusted_proxies=read.optional("GUICHET_TRUSTED_PROXIES", _networks) or (),
            auth_failures=read("GUICHET_AUTH_FAILURES", "10", _failures),
            socket_operations=read("GUICHET_SOCKET_OPERATIONS", "5", _socket_operations),
            statistics_min_days=read("GUICHET_STATISTICS_MIN_DAYS", "7", _limit),
            statistics_min_contacts=read("GUICHET_STATISTICS_MIN_CONTACTS", "10", _limit),
            statistics_min_population=read(
                "GUICHET_STATISTICS_MIN_POPULATION", "10000", _population
            ),
            statistics_interval=read("GUICHET_STATISTICS_INTERVAL", "60", _interval),
            statistics_public_budget=read("GUICHET_STATISTICS_PUBLIC_BUDGET", "60", _budget),
            statement_timeout=read("GUICHET_STATEMENT_TIMEOUT", "10", _bound),
            lock_timeout=read("GUICHET_LOCK_TIMEOUT", "5", _whole_seconds),
            idle_in_transaction_timeout=read(
                "GUICHET_IDLE_IN_TRANSACTION_TIMEOUT", "5", _whole_seconds
            ),
            write_timeout=read("GUICHET_WRITE_TIMEOUT", "30", _bound),
            sockets_per_address=read("GUICHET_SOCKETS_PER_ADDRESS", "20", _sockets_per_address),
            bootstrap_admin=read.optional("GUICHET_BOOTSTRAP_ADMIN", _new_file_path),
            progress_every=read("GUICHET_PROGRESS_EVERY", "5", _progress_every),
            metrics=read("GUICHET_METRICS", "admin", _metrics),
            migration_wait=read("GUICHET_MIGRATION_WAIT", "300", _bound),
        )


class _Reader:
    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ

    def __call__(self, name: str, default: str, parse: Callable[[str], T]) -> T:
        raw = self._environ.get(name, "").strip() or default
        return self._parse(name, raw, parse)

    def optional(self, name: str, parse: Callable[[str], T]) -> T | None:
        raw = self._environ.get(name, "").strip()
        return self._parse(name, raw, parse) if raw else None

    @staticmethod
    def _parse(name: str, raw: str, parse: Callable[[str], T]) -> T:
        try:
            return parse(raw)
        except Unshown as error:
            raise SettingsError(name, None, str(error)) from None
        except ValueError as error:
            raise SettingsError(name, raw, str(error)) from None


def _schema_name(raw: str) -> str:
    if not _SCHEMA_NAME.match(raw):
        raise ValueError("a lower-case SQL identifier (letters, digits, underscores)")
    # PostgreSQL reserves pg_ names; `public` holds the extensions every schema shares.
    if raw.startswith("pg_") or raw in ("public", "information_schema"):
        raise ValueError("a schema of Guichet's own, not pg_*, public or information_schema")
    return raw


def _directory(raw: str) -> Path:
    path = Path(raw).expanduser()
    if path.exists() and not path.is_dir():
        raise ValueError("a directory (this path is a file)")
    return path.resolve()


def _file_path(raw: str) -> Path:
    path = Path(raw).expanduser()
    if path.is_dir():
        raise ValueError("the path of a file (this path is a directory)")
    return path.resolve()


def _new_file_path(raw: str) -> Path:
    """A file Guichet makes: absolute but not resolved, so that a symbolic link put at that
    name is found, and refused, rather than followed to wherever it points."""
    path = Path(raw).expanduser()
    if path.is_dir():
        raise ValueError("the path of a file (this path is a directory)")
    return path.absolute()


def _non_empty(raw: str) -> str:
    return raw


def _port(raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise ValueError("a TCP port number from 1 to 65535")
    return int(raw)


def _workers(raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= 64:
        raise ValueError("a number of API processes from 1 to 64")
    return int(raw)


def _pool_size(raw: str) -> int:
    if not raw.isdigit() or not 2 <= int(raw) <= 200:
        raise ValueError("a whole number of connections from 2 to 200")
    return int(raw)


def _pool_overflow(raw: str) -> int:
    if not raw.isdigit() or int(raw) > 200:
        raise ValueError("a whole number of connections from 0 to 200")
    return int(raw)


def _worker_pool_size(raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= 50:
        raise ValueError("a whole number of connections from 1 to 50")
    return int(raw)


def _limit(raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= 1_000_000:
        raise ValueError("a whole number from 1 to 1000000")
    return int(raw)


def _population(raw: str) -> int:
    if not raw.isdigit() or int(raw) > 100_000_000:
        raise ValueError("a number of people from 0 to 100000000")
    return int(raw)


def _interval(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value <= 86_400:
        raise ValueError("a number of seconds greater than 0 and at most 86400")
    return value


def _rate(raw: str) -> int:
    if not raw.isdigit() or int(raw) > 100_000:
        raise ValueError("requests per second for each caller, from 0 (no limit) to 100000")
    return int(raw)


def _networks(raw: str) -> tuple[str, ...]:
    found: list[str] = []
    for item in raw.split(","):
        try:
            found.append(str(ipaddress.ip_network(item.strip(), strict=False)))
        except ValueError:
            raise ValueError(
                "addresses or networks separated by commas, like 10.0.0.5,192.168.0.0/16"
            ) from None
    return tuple(found)


def _failures(raw: str) -> int:
    if not raw.isdigit() or int(raw) > 10_000:
        raise ValueError("failed authentications a minute for each address, 0 (no limit) to 10000")
    return int(raw)


def _socket_operations(raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= 100:
        raise ValueError("operations at once on one WebSocket, from 1 to 100")
    return int(raw)


def _sockets_per_address(raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= 10_000:
        raise ValueError("open WebSockets for each address, from 1 to 10000")
    return int(raw)


def _budget(raw: str) -> int:
    if not raw.isdigit() or int(raw) > 100_000:
        raise ValueError("public statistics answers an hour for each caller, 0 (none) to 100000")
    return int(raw)


def _mode(raw: str) -> str:
    if raw.lower() not in ("development", "production"):
        raise ValueError("development or production")
    return raw.lower()


def _metrics(raw: str) -> str:
    if raw.lower() not in METRICS_ACCESS:
        raise ValueError(", ".join(METRICS_ACCESS) + " (who may read /metrics)")
    return raw.lower()


def _seconds(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value <= 60:
        raise ValueError("a number of seconds greater than 0 and at most 60")
    return value


def _days(raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= 3660:
        raise ValueError("a whole number of days from 1 to 3660")
    return int(raw)


def _bound(raw: str) -> float:
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value <= 3600:
        raise ValueError("a number of seconds greater than 0 and at most 3600")
    return value


def _whole_seconds(raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= 3600:
        raise ValueError("a whole number of seconds from 1 to 3600")
    return int(raw)


def _boolean(raw: str) -> bool:
    lowered = raw.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError("true or false")


def _log_level(raw: str) -> str:
    if raw.upper() not in _LOG_LEVELS:
        raise ValueError("one of " + ", ".join(_LOG_LEVELS))
    return raw.upper()


def _progress_every(raw: str) -> float | None:
    if raw.lower() == "off":
        return None
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 3_600:
        raise ValueError("seconds between progress lines from 0 to 3600, or off")
    return value
