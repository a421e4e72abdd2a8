"""The composition root: builds every part from the settings, once, and closes them."""

from __future__ import annotations

import gc
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from uuid import UUID

from eventsourcing.postgres import PostgresDatastore, PostgresRecorder
from psycopg_pool import ConnectionPool

from domain.handlers.contacts import ContactHandler
from domain.handlers.coverage import CoverageHandler
from domain.handlers.directory import DirectoryHandler
from domain.handlers.taxonomy import TaxonomyHandler
from domain.handlers.tokens import TokenHandler
from domain.operations import Operations
from infra import audit_chain, failures, migrate
from infra.audit_replay import PastRecords
from infra.budget import Pools, api_pools, application_name, warn_if_near
from infra.bulk import load_many
from infra.clock import Clock, SystemClock, new_id
from infra.contacts import ContactWriter, RecordVersions
from infra.database import Database, Timeouts
from infra.directory_statistics import DirectoryStatistics
from infra.metrics import CountedContacts, Metrics, StateCollector, pools_of
from infra.persisted import PersistedDocuments
from infra.runner import ProjectionRunner
from infra.search.postgres import PostgresSearchIndex, PostgresSearchView
from infra.search.records import SearchRecordsView
from infra.settings import Settings
from infra.statistics import StatisticsReader
from infra.token_log import TokenLog
from infra.tokens import TokenStore
from infra.views.audit import PostgresAuditView
from infra.views.base import PostgresView
from infra.views.coverage import PostgresCoverageView
from infra.views.directory import PostgresDirectoryView
from infra.views.history import PostgresHistoryView
from infra.views.interactions import PostgresInteractionView
from infra.views.taxonomy import PostgresTaxonomyView
from infra.views.territories import PostgresTerritoryView
from infra.views.verification import PostgresVerificationView
from projections.search_query import NamedCategories, SearchIndex

log = logging.getLogger(__name__)

# How long `guichet serve` lets requests in flight finish once told to stop.
SHUTDOWN_GRACE = 10


@dataclass(frozen=True)
class ViewStatus:
    name: str
    position: int
    head: int
    error: str | None

    @property
    def lag(self) -> int:
        return max(self.head - self.position, 0)


def opensearch(
    url: str, datastore: PostgresDatastore, schema: str, settings: Settings,
    named: NamedCategories,
) -> tuple[SearchRecordsView, SearchIndex]:  # fmt: skip
    from opensearchpy import AsyncOpenSearch, OpenSearch

    from infra.search.opensearch import OpenSearchIndex, OpenSearchSearchView
    from infra.search.opensearch_index import IndexNames

    names = IndexNames.for_schema(schema)
    view = OpenSearchSearchView(
        datastore, OpenSearch(hosts=[url], timeout=30), names,
        timeout=settings.search_timeout, gap_days=settings.search_gap_days,
    )  # fmt: skip
    return view, OpenSearchIndex(AsyncOpenSearch(hosts=[url], timeout=10), names, view, named)


# The views a container runs, in the order it builds them: for the command's help, which lists
# them before any container exists.
PROJECTIONS: tuple[str, ...] = (
    PostgresDirectoryView.name, PostgresTerritoryView.name, PostgresTaxonomyView.name,
    PostgresHistoryView.name, SearchRecordsView.name, PostgresVerificationView.name,
    PostgresCoverageView.name, PostgresInteractionView.name, PostgresAuditView.name,
)  # fmt: skip


class Container:
    search: SearchIndex

    def __init__(
        self,
        settings: Settings,
        database: Database,
        tokens: TokenStore,
        clock: Clock | None = None,
        ids: Callable[[], UUID] = new_id,
        *,
        maintenance: bool = False,
        pools: Pools | None = None,
    ) -> None:
        self.settings = settings
        self.pools = pools = pools or api_pools(settings)
        # The migration step runs unbounded, once (see `migrate`); then every session is
        # bounded, except in maintenance commands (rebuilds, replays, imports), whose long
        # statements and waits for locks are deliberate.
        self.unbounded = unbounded = database
        self.database = database = database.bounded(
            Timeouts() if maintenance else session_timeouts(settings)
        )
        self.clock: Clock = clock or SystemClock()
        self.new_id = ids
        self.operations = Operations(env=database.event_store_env(pools.size, pools.most))
        # The static tokens, and those the log holds, followed once `token_log` is started.
        self.token_log = TokenLog(self.operations, self.clock.now)
        self.tokens = tokens.following(self.token_log)
        self.token_handler = TokenHandler(self.operations)
        self.directory_handler = DirectoryHandler(
            self.operations, partial(load_many, self.operations)
        )
        self.coverage_handler = CoverageHandler(self.operations)
        self.taxonomy_handler = TaxonomyHandler(self.operations)
        self.datastore = database.datastore(pools.size, pools.most)
        self.directory = PostgresDirectoryView(self.datastore)
        self.territories = PostgresTerritoryView(self.datastore)
        self.taxonomy = PostgresTaxonomyView(self.datastore)
        self.history = PostgresHistoryView(self.datastore)
        self.search_view: SearchRecordsView
        if settings.opensearch_url is not None:
            self.search_view, self.search = opensearch(
                settings.opensearch_url, self.datastore, database.schema, settings,
                self.taxonomy.matching,
            )  # fmt: skip
        else:
            self.search_view = PostgresSearchView(
                self.datastore,
                timeout=settings.search_timeout,
                gap_days=settings.search_gap_days,
            )
            self.search = PostgresSearchIndex(self.search_view, self.taxonomy.matching)
        self.verification = PostgresVerificationView(self.datastore)
        self.coverage = PostgresCoverageView(self.datastore)
        self.interactions = PostgresInteractionView(self.datastore)
        self.audit = PostgresAuditView(self.datastore)
        self.past = PastRecords(self.operations, self.audit)
        self.statistics = StatisticsReader(self.interactions, self.territories)
        self.directory_statistics = DirectoryStatistics(self.history, self.territories)
        self.contacts = ContactWriter(self.operations, timeout=settings.write_timeout)
        self.metrics = Metrics()
        self.contact_handler: ContactHandler = CountedContacts(
            self.metrics.contacts, self.operations, self.contacts, self.search_view,
            RecordVersions(self.operations),
        )  # fmt: skip
        self.persisted = PersistedDocuments(self.datastore)
        self.views: dict[str, PostgresView] = {
            view.name: view
            for view in (
                self.directory,
                self.territories,
                self.taxonomy,
                self.history,
                self.search_view,
                self.verification,
                self.coverage,
                self.interactions,
                self.audit,
            )
        }
        self.migrated = self.migrate(unbounded)
        self.runners = {
            name: ProjectionRunner(view, self.operations.recorder, self.operations.mapper, database)
            for name, view in self.views.items()
        }
        self.metrics.watch(StateCollector(self, self.connection_pools))

    def connection_pools(self) -> dict[str, ConnectionPool]:
        """The connection pools of this process, by name, for their figures."""
        events = getattr(self.operations.recorder, "datastore", None)
        return pools_of(("events", events), ("views", self.datastore))

    @property
    def version(self) -> str:
        """The version of the database this code needs (see `infra.migrate`)."""
        return migrate.version(f"{v.name} {v.definition()}" for v in self.views.values())

    def migrate(self, unbounded: Database, *, force: bool = False) -> bool:
        """Makes what this process needs in the database, or waits for the process making it;
        says whether this one made it."""
        snapshots = self.operations.snapshots
        stores = [self.operations.recorder, *([snapshots.recorder] if snapshots else [])]
        tables = [store for store in stores if isinstance(store, PostgresRecorder)]
        steps: list[migrate.Step] = [store.create_table for store in tables]
        steps += [partial(audit_chain.install, unbounded), self.persisted.create]
        steps += [view.create for view in self.views.values()]
        wait = self.settings.migration_wait
        ran = migrate.migrate(unbounded, self.version, steps, force=force, wait=wait)
        for store in tables:  # read, not made: the row type the store's writes are built with
            store.datastore.register_type_adapters()
        return ran

    def select(self, names: Iterable[str]) -> list[ProjectionRunner]:
        chosen = list(names) or list(self.runners)
        unknown = [name for name in chosen if name not in self.runners]
        if unknown:
            known = ", ".join(sorted(self.runners))
            raise KeyError(f"unknown projection {', '.join(unknown)} (projections: {known})")
        return [self.runners[name] for name in chosen]

    def start_projections(self, names: Iterable[str] = ()) -> None:
        for runner in self.select(names):
            runner.start()

    def head(self) -> int:
        return self.operations.recorder.max_notification_id() or 0

    def status(self) -> list[ViewStatus]:
        """Each view's position, and its error: the in-process runner's last one, or a fact
        it cannot apply, recorded by whichever process runs it."""
        head = self.head()
        stopped = failures.recorded(self.datastore)
        statuses = []
        for name, runner in self.runners.items():
            position = runner.view.position()
            error = runner.last_error
            if name in stopped and position < stopped[name][0]:
                error = stopped[name][1]
            statuses.append(ViewStatus(name, position, head, error))
        return statuses

    def positions(self, names: Iterable[str]) -> int:
        """The lowest position reached among the named views."""
        return min(self.views[name].position() for name in names)

    def database_reachable(self) -> str | None:
        """None when the database answers, else why it does not."""
        try:
            with self.datastore.get_connection() as conn:
                conn.execute("SELECT 1")
        except Exception as error:
            return str(error) or type(error).__name__
        return None

    def close(self) -> None:
        """Stops the runners and the contact writer, each waited for a bounded time, together."""
        for runner in self.runners.values():
            runner.request_stop()
        for runner in self.runners.values():
            runner.stop()
        self.token_log.stop()
        self.contacts.close()
        self.operations.close()
        self.datastore.close()
        client = getattr(self.search_view, "client", None)
        if client is not None:
            client.close()


def session_timeouts(settings: Settings) -> Timeouts:
    return Timeouts(
        statement=settings.statement_timeout,
        lock=settings.lock_timeout,
        idle_in_transaction=settings.idle_in_transaction_timeout,
    )


def connect(
    settings: Settings, url: str, *, maintenance: bool = False, role: str = "api",
    pools: Pools | None = None,
) -> Container:  # fmt: skip
    """The container of a process using the database at `url`, with the tokens of the data
    directory (made on the first embedded start) beside the configured ones; its sessions are
    named after its `role` (`guichet-api`), and its pools sized by `pools` (the API's)."""
    local = settings.data_dir / "tokens"
    tokens = tokens_for(settings, [local] if local.exists() else [])
    database = Database.from_url(url, settings.database_schema).named(application_name(role))
    pools = pools or api_pools(settings)
    warn_if_near(database, pools.budget)
    return Container(settings, database, tokens, maintenance=maintenance, pools=pools)


def tokens_for(settings: Settings, extra: Iterable[Path] = ()) -> TokenStore:
    files = [*extra]
    if settings.tokens_file is not None:
        files.append(settings.tokens_file)
    return TokenStore.load(files, settings.tokens)


def tune_garbage_collector() -> None:
    """Collects young objects less often than Python's default (every 700 allocations).

    Projections allocate a few dicts per fact and keep none; at the default, collections took
    a third of a rebuild. Reference cycles are still collected, in larger batches.
    """
    gc.set_threshold(50_000, 20, 20)
