"""What an OpenSearch failure means: for a search, `SEARCH_UNAVAILABLE`; for the projection,
a wait (`ServiceUnavailable`, tried again with backoff) or an error an operator must fix.

Unavailable: no connection, a timeout, a missing index or alias (404: a volume reset, or an
index deleted by hand), a cluster block or too many requests (429), all shards failed (503) and
every other 5xx. A 400 is a request OpenSearch refuses whatever its state: ours to fix, so it is
not hidden behind an outage.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from opensearchpy.exceptions import ConnectionError as Unreachable
from opensearchpy.exceptions import ConnectionTimeout, TransportError

from infra.failures import ServiceUnavailable
from projections.search_query import SearchTimeout, SearchUnavailable

# Statuses after which the same request may succeed later.
PASSING = frozenset({404, 408, 429})


class SearchEngineRefused(RuntimeError):
    """OpenSearch refused a request of the projection for good (a 4xx other than those in
    `PASSING`): a mapping it rejects, credentials, a setting; an operator must act."""


def reason(error: TransportError) -> str:
    """OpenSearch's own words for a failure: its error type and reason, or the connection's."""
    if isinstance(error, Unreachable):
        return f"cannot be reached ({error.error})"
    info: Any = error.info
    if isinstance(info, dict):
        detail = info.get("error")
        if isinstance(detail, dict):
            return f"answered {error.status_code} {detail.get('type')}: {detail.get('reason')}"
        if detail is not None:
            return f"answered {error.status_code}: {detail}"
    return f"answered {error.status_code}: {error.error}"


def passing(error: TransportError) -> bool:
    """Whether the same request may succeed once OpenSearch is back, unblocked or rebuilt."""
    status = error.status_code
    return not isinstance(status, int) or status in PASSING or status >= 500


@contextmanager
def search_calls(timeout: float) -> Iterator[None]:
    """A search's requests: every failure but a refused request is `SEARCH_UNAVAILABLE`."""
    try:
        yield
    except ConnectionTimeout as error:
        raise SearchTimeout(timeout) from error
    except TransportError as error:
        if not passing(error):
            raise
        if error.status_code == 404:  # no index behind the alias yet, or any more
            raise SearchUnavailable(
                "The directory's search index is being built; searches will work again as "
                "soon as it is complete."
            ) from error
        raise SearchUnavailable(
            f"The search engine {reason(error)}; searches will work again when it is back, "
            "with every change made meanwhile."
        ) from error


@contextmanager
def projection_calls(index: str) -> Iterator[None]:
    """The projection's requests: an outage is a wait, a refusal an operator's error."""
    try:
        yield
    except TransportError as error:
        if passing(error):
            raise ServiceUnavailable(f"OpenSearch {reason(error)} (index {index})") from error
        raise SearchEngineRefused(
            f"OpenSearch refused a request for index {index}: {reason(error)}; check its "
            "version (2.x), its plugins and GUICHET_OPENSEARCH_URL's credentials"
        ) from error
