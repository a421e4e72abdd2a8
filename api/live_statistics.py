"""Exact statistics sent to many dashboards: one look at the contacts view per process, and
one computation per distinct query each time the view moves, shared by its subscribers.

A dashboard used to poll the view and count its figures on its own: 200 of them asking the same
figures cost 200 computations per contact. Here subscribers of the same query (`Topic`) wait
for the one poll (`Figures`); when the view moves, each query asked is counted once and the
answer handed to every subscriber of it, who keeps only the newest one (moves that come while a
subscriber is still sending coalesce). The shared answer also carries what graphql-core made
of it for each selection (`api.shared_events`), so identical subscriptions complete it once.

Public figures do not go through here: they keep their own interval rule (`api.statistics`).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import anyio.to_thread

from infra.bootstrap import Container
from infra.statistics import StatisticsRequest

# How often the contacts view is looked at for new contacts: once a process, not once a
# subscriber, so it can be often (a read of one row). It bounds how soon a contact reaches
# the dashboards once the view has it, and how many updates a dashboard is sent a second.
POLL_SECONDS = 0.1

Answer = Callable[[Container, StatisticsRequest], Awaitable[object]]


@dataclass(eq=False)
class Subscriber:
    """The newest answer not yet sent (or what went wrong making it)."""

    ready: asyncio.Event = field(default_factory=asyncio.Event)
    newest: object = None
    failed: BaseException | None = None

    def hand(self, answer: object, failed: BaseException | None) -> None:
        self.newest, self.failed = answer, failed
        self.ready.set()

    async def next(self) -> object:
        await self.ready.wait()
        self.ready.clear()
        if self.failed is not None:
            raise self.failed
        return self.newest


@dataclass(eq=False)
class Topic:
    asked: StatisticsRequest
    subscribers: set[Subscriber] = field(default_factory=set)


class Figures:
    """The topics of one process's event loop, and the task that polls the view for them."""

    def __init__(self, container: Container, answer: Answer) -> None:
        self.container = container
        self.answer = answer
        self.topics: dict[StatisticsRequest, Topic] = {}
        self.polls = 0  # polls started: one for as long as anyone subscribes
        self.moves = 0  # times the poll found the view moved
        self.computations = 0  # answers counted for topics since start
        self._polling: asyncio.Task[None] | None = None
        self._started: asyncio.Future[None] | None = None

    async def join(self, asked: StatisticsRequest) -> Subscriber:
        """Sends the subscriber every answer counted after the view moves past where it is
        now: the caller counts its first figures after this returns, so none falls between."""
        subscriber = Subscriber()
        self.topics.setdefault(asked, Topic(asked)).subscribers.add(subscriber)
        if self._polling is None or self._polling.done():
            # One poll for all: those who join while it reads where the view is wait for it.
            self._started = asyncio.get_running_loop().create_future()
            self._polling = asyncio.create_task(self._poll(self._started))
            self.polls += 1
        assert self._started is not None
        await asyncio.shield(self._started)
        return subscriber

    def leave(self, asked: StatisticsRequest, subscriber: Subscriber) -> None:
        topic = self.topics.get(asked)
        if topic is None:
            return
        topic.subscribers.discard(subscriber)
        if not topic.subscribers:
            del self.topics[asked]
        if not self.topics and self._polling is not None:
            self._polling.cancel()
            self._polling = None

    async def _poll(self, started: asyncio.Future[None]) -> None:
        view = self.container.interactions
        try:
            checked = await anyio.to_thread.run_sync(view.position)
        except asyncio.CancelledError:
            started.cancel()
            raise
        except Exception as error:
            started.set_exception(error)
            raise
        started.set_result(None)
        while self.topics:
            await asyncio.sleep(POLL_SECONDS)
            try:
                reached = await anyio.to_thread.run_sync(view.position)
            except Exception as error:  # the database is away: every subscription ends with it
                self._hand_everyone(error)
                raise
            if reached == checked:
                continue
            checked = reached
            self.moves += 1
            for topic in list(self.topics.values()):
                if not topic.subscribers:
                    continue
                failed: BaseException | None = None
                answer: object = None
                try:
                    answer = await self.answer(self.container, topic.asked)
                except Exception as error:  # each subscriber raises it, as its own poll did
                    failed = error
                self.computations += 1
                for subscriber in list(topic.subscribers):
                    subscriber.hand(answer, failed)

    def _hand_everyone(self, failed: BaseException) -> None:
        for topic in list(self.topics.values()):
            for subscriber in list(topic.subscribers):
                subscriber.hand(None, failed)


_FIGURES: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, weakref.WeakKeyDictionary[Container, Figures]
] = weakref.WeakKeyDictionary()


def figures_of(container: Container, answer: Answer) -> Figures:
    """The shared figures of this event loop and container, made when first asked for."""
    loop = asyncio.get_running_loop()
    found = _FIGURES.setdefault(loop, weakref.WeakKeyDictionary())
    figures = found.get(container)
    if figures is None:
        figures = found[container] = Figures(container, answer)
    return figures


def every_figures(container: Container) -> list[Figures]:
    """The shared figures of `container` in every event loop (what a test or a metric reads)."""
    return [found[container] for found in list(_FIGURES.values()) if container in found]
