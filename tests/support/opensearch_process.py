"""A process of Guichet as far as the OpenSearch search projection goes: its view (with its own
client on a fake cluster) and its runner, on a container's database and log."""

from __future__ import annotations

from dataclasses import dataclass

from domain.services import Service
from domain.values import LocalizedText
from infra import migrate
from infra.bootstrap import Container
from infra.demo import demo_id
from infra.runner import ProjectionRunner
from infra.search.opensearch import OpenSearchSearchView
from infra.search.opensearch_index import IndexNames
from tests.support.fake_opensearch import FakeCluster


@dataclass
class Process:
    view: OpenSearchSearchView
    runner: ProjectionRunner

    @property
    def names(self) -> IndexNames:
        return self.view.names


def start(container: Container, cluster: FakeCluster, *, page_size: int = 2000) -> Process:
    """A process starting: the view made by its migration step, and a runner for it."""
    names = IndexNames.for_schema(container.database.schema)
    view = OpenSearchSearchView(container.datastore, cluster.client(), names)
    # Under the migration lock, as every process makes its views (`Container.migrate`).
    migrate.migrate(container.unbounded, "opensearch-test", [view.create], force=True)
    operations = container.operations
    runner = ProjectionRunner(
        view, operations.recorder, operations.mapper, container.database, page_size=page_size
    )
    return Process(view, runner)


def live_documents(cluster: FakeCluster, alias: str) -> int:
    """What searches through `alias` count, as the fake answers them."""
    [index] = cluster.holding(alias)
    return sum(not source.get("removed") for _, source in cluster.indices[index].documents.values())


def rename(container: Container) -> None:
    """One more fact for the search projection: a demo service renamed."""
    service: Service = container.operations.repository.get(demo_id("service", 0, 0))
    service.rename(LocalizedText("Zanzibar", "Zanzibar"), reason=None, actor="edith",
                   at=container.clock.now())  # fmt: skip
    container.operations.save(service)
