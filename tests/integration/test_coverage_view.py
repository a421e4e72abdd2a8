"""The coverage view's SQL lookup answers as the one definition of a covered place does
(`projections.coverage.covering`), on the same facts, now and as known at past moments."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.coverage import CoverageAgreement
from domain.handlers.coverage import AmendCoverage, CancelCoverage, EndCoverageEarly
from infra.bootstrap import Container
from infra.coverage_history import agreement_id, load_history
from infra.territories import load_reference
from projections import coverage
from projections.base import Positioned
from projections.coverage import AgreementVersion, boundaries, covering, place_codes

T1 = datetime(2026, 1, 5, 12, tzinfo=UTC)
T2 = T1 + timedelta(days=10)
PLACES = [
    "65005", "ARR-66023-anjou", "60037", "71133", "75017", "47017", "81017", "43027", "RA-16",
]  # fmt: skip


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


def versions_in_log(container: Container) -> list[AgreementVersion]:
    topics = [get_topic(cls) for cls in coverage.FACTS]
    notifications = container.operations.recorder.select_notifications(1, 10_000, topics=topics)
    latest: dict[UUID, AgreementVersion] = {}
    found = []
    for notification in notifications:
        fact = container.operations.mapper.to_domain_event(notification)
        version = coverage.next_version(
            latest.get(fact.originator_id), Positioned(fact, notification.id)
        )
        assert version is not None
        latest[version.agreement_id] = version
        found.append(version)
    return found


def as_known(versions: list[AgreementVersion], known_at: datetime | None) -> list[AgreementVersion]:
    last: dict[UUID, AgreementVersion] = {}
    for version in versions:
        if known_at is None or version.recorded_at <= known_at:
            last[version.agreement_id] = version
    return list(last.values())


def test_the_sql_lookup_and_the_definition_agree(container: Container) -> None:
    load_reference(container.operations, Clock(T1 - timedelta(days=1)))
    load_history(container.operations, Clock(T1))
    handler = container.coverage_handler
    # Later corrections, so that what was known then differs from what is known now.
    handler.amend(
        AmendCoverage(agreement_id("laval"), 1, ("65005", "TE-66"), ("phone", "chat"),
                      date(2016, 11, 1), "Ville de Laval"),
        actor="ana", at=T2,
    )  # fmt: skip
    handler.end_early(
        EndCoverageEarly(agreement_id("gatineau"), 1, date(2024, 1, 1)), actor="ana", at=T2
    )
    handler.cancel(CancelCoverage(agreement_id("vaudreuil"), 1, "in error"), actor="ana", at=T2)
    for name in ("territories", "coverage"):
        container.runners[name].catch_up()
    snapshot = container.territories.snapshot()
    versions = versions_in_log(container)
    latest = as_known(versions, None)
    days = sorted(
        {d + timedelta(days=k) for c in ("phone", "web", "chat") for d in boundaries(latest, c)
         for k in (-1, 0)} | {date(2021, 7, 7), date(2021, 7, 8)}
    )  # fmt: skip

    compared = 0
    wrong = []
    for known_at in (None, T1, T2 - timedelta(seconds=1)):
        agreements = [v for v in as_known(versions, known_at) if not v.cancelled]
        for day in days:
            for channel in ("phone", "web", "chat"):
                for code in PLACES:
                    expected = covering(snapshot, agreements, code, channel, day, known_at)
                    codes = place_codes(snapshot, code, day, known_at)
                    found = (
                        container.coverage.covering(codes, channel, day, known_at) if codes else []
                    )
                    mine = sorted((a.agreement_id, a.version) for a in expected or [])
                    theirs = sorted((a.agreement_id, a.version) for a in found)
                    if mine != theirs:
                        wrong.append((known_at, day, channel, code, mine, theirs))
                    compared += bool(mine)

    assert wrong == []
    assert compared > 200  # the answers compared are not all "not covered"
    assert any(v.fact == CoverageAgreement.Cancelled.__name__ for v in versions)


def test_a_rebuilt_coverage_view_holds_the_same_rows(container: Container) -> None:
    load_reference(container.operations, Clock(T1))
    load_history(container.operations, Clock(T1))
    runner = container.runners["coverage"]
    runner.catch_up()
    before = container.coverage.agreements(None)

    runner.rebuild()

    assert container.coverage.agreements(None) == before
    assert len(before) == 11
