"""What a resolver gets: the composition root, the caller, and the one way to run blocking work."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property, partial
from typing import Any, Protocol, TypeVar

import anyio.to_thread
from starlette.requests import Request
from starlette.websockets import WebSocket
from strawberry.types import Info as StrawberryInfo

from api.loaders import Loaders
from api.observe import Observed
from api.rate import RateLimiter
from domain.handlers.contacts import RecordContact, Recording
from domain.operations import Logged
from infra.bootstrap import Container
from infra.tokens import Principal, Role

T = TypeVar("T")
C = TypeVar("C")
C_contra = TypeVar("C_contra", contravariant=True)
R_co = TypeVar("R_co", covariant=True)


class Handles(Protocol[C_contra, R_co]):
    """A handler's method: a command, who, when; what it wrote."""

    def __call__(self, command: C_contra, /, *, actor: str, at: datetime) -> R_co: ...


class Denied(Exception):
    def __init__(self, principal: Principal, roles: tuple[Role, ...]) -> None:
        wanted = ", ".join(role.value for role in (*roles, Role.ADMIN))
        super().__init__(f"This needs one of the roles {wanted}; your role is {principal.role}.")
        self.principal = principal
        self.roles = roles


@dataclass
class Context:
    container: Container
    principal: Principal
    request: Request | WebSocket
    # What a WebSocket client sent with `connection_init`; the token is read from it.
    connection_params: dict[str, object] | None = None
    # Public statistics answers each caller may have an hour (None: no budget).
    statistics_budget: RateLimiter | None = None
    # What `/metrics` counts the request as (`api.observe`).
    observed: Observed = field(default_factory=Observed)

    @cached_property
    def loaders(self) -> Loaders:
        # Made when a resolver first needs one: most requests (a contact) never do.
        return Loaders.build(self.container, self.call)

    async def call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        # The event store and views are synchronous; this is the only place they are called.
        return await anyio.to_thread.run_sync(partial(function, *args, **kwargs))

    async def handle(self, method: Handles[C, T], prepare: Callable[[], C]) -> T:
        """Parses the input into a command (`prepare`), then has a handler's `method` apply it as
        the caller, now, in a worker thread."""
        command = prepare()
        return await self.call(method, command, actor=self.actor, at=self.container.clock.now())

    async def record(self, prepare: Callable[[], RecordContact]) -> Logged:
        """`handle` for a whole contact, in one hop to a thread: the contact writer's thread
        applies the contacts handler's rules and saves it with the contacts waiting."""
        command = prepare()
        container = self.container
        request = Recording(command, self.actor, container.clock.now())
        return await container.contacts.submit(container.contact_handler, request)

    @property
    def actor(self) -> str:
        """The caller's name, as facts record it. Whether the caller may call the operation at
        all was settled before its resolver ran (`api.guards`)."""
        return self.principal.name


Info = StrawberryInfo[Context, None]
