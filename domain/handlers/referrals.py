"""Services as a contact refers to them: read from their facts and their organizations',
kept between contacts while the log shows no new fact of either (one read of the log for many
services), their addresses from a view that may lag."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain.directory import Organization
from domain.errors import InvalidInput
from domain.interactions import ReferralSnapshot
from domain.operations import Operations
from domain.records import Status
from domain.services import Service


class ServiceDetails(Protocol):
    """What the log does not index: a service's address, from the first place it is given at.
    May lag; only details are read from it, never whether a service exists or is active."""

    def referral_snapshots(self, ids: Sequence[UUID]) -> dict[UUID, ReferralSnapshot]: ...


class RecordVersions(Protocol):
    """The latest version of each record, from the log (one read for many records)."""

    def versions(self, ids: Sequence[UUID]) -> dict[UUID, int]: ...


@dataclass(slots=True)
class _Read:
    """A service as read for a referral, valid while neither it nor its organization has a
    new fact; its address (a detail from a view that may lag) is read again after a while."""

    snapshot: ReferralSnapshot
    version: int
    organization: UUID
    organization_version: int
    address: str | None = None
    at: datetime | None = None

    def stale(self, now: datetime) -> bool:
        return self.at is None or now - self.at > ADDRESS_KEPT


# Services whose snapshots are kept between contacts (checked against the log each time).
READ_MAX = 10_000
ADDRESS_KEPT = timedelta(minutes=1)


class ReferralReading:
    """How the contacts handler reads the services a contact refers to."""

    operations: Operations
    versions: RecordVersions | None
    _read: dict[UUID, _Read]

    def _prefetch(
        self, ids: Iterable[UUID], known: dict[UUID, ReferralSnapshot], details: ServiceDetails,
        at: datetime,
    ) -> None:  # fmt: skip
        """Reads the services of many contacts at once into `known`: one read of the log for
        those read before, one of the details for those whose address is old. A service that
        cannot be referred to is left out, for each contact's own check to name its field."""
        missing = [id for id in dict.fromkeys(ids) if id not in known]
        if not missing:
            return
        reads = self._current(missing)
        for id in missing:
            if id not in reads:
                try:
                    reads[id] = self._snapshot("", id)
                except InvalidInput:
                    continue
        stale = [id for id, read in reads.items() if read.stale(at)]
        given = details.referral_snapshots(stale) if stale else {}
        for id in stale:
            found = given.get(id)
            reads[id].address = found.address if found is not None else None
            reads[id].at = at
        for id, read in reads.items():
            known[id] = replace(read.snapshot, address=read.address)

    def _referrals(
        self, wanted: Sequence[tuple[str, UUID]], known: dict[UUID, ReferralSnapshot],
        details: ServiceDetails, at: datetime,
    ) -> list[ReferralSnapshot]:  # fmt: skip
        """Each wanted service (with the input path naming it) as the counsellor gives it: an
        active service of an active organization, read from their facts."""
        missing = list(dict.fromkeys(id for _, id in wanted if id not in known))
        if missing:
            current = self._current(missing)
            stale = [id for id in missing if id not in current or current[id].stale(at)]
            given = details.referral_snapshots(stale) if stale else {}
            for path, service_id in wanted:
                if service_id in known:
                    continue
                read = current.get(service_id) or self._snapshot(path, service_id)
                if service_id in stale:
                    found = given.get(service_id)
                    read.address = found.address if found is not None else None
                    read.at = at
                known[service_id] = replace(read.snapshot, address=read.address)
        return [known[service_id] for _, service_id in wanted]

    def _current(self, ids: list[UUID]) -> dict[UUID, _Read]:
        """The services read before that have no fact since, nor their organizations."""
        if self.versions is None:
            return {}
        cached = {id: self._read[id] for id in ids if id in self._read}
        if not cached:
            return {}
        versions = self.versions.versions([*cached, *(c.organization for c in cached.values())])
        return {
            id: c for id, c in cached.items()
            if versions.get(id) == c.version
            and versions.get(c.organization) == c.organization_version
        }  # fmt: skip

    def _snapshot(self, path: str, service_id: UUID) -> _Read:
        service = self._load(service_id)
        if not isinstance(service, Service) or service.status is not Status.ACTIVE:
            raise InvalidInput(path, f"no active service has the id {service_id}")
        organization = self._load(service.organization_id)
        if not isinstance(organization, Organization) or organization.status is not Status.ACTIVE:
            raise InvalidInput(path, f"the organization of service {service_id} is not active")
        snapshot = ReferralSnapshot(
            service_id=service_id, organization_id=organization.id,
            service_name=service.name.fr or service.name.en,
            organization_name=organization.name.fr or organization.name.en,
            phone=service.phones[0].number if service.phones else None, address=None,
        )  # fmt: skip
        read = _Read(snapshot, service.version, organization.id, organization.version)
        if self.versions is not None:
            if len(self._read) >= READ_MAX:
                self._read.clear()
            self._read[service_id] = read
        return read

    def _load(self, id: UUID) -> object:
        try:
            return self.operations.repository.get(id)
        except AggregateNotFoundError:
            return None
