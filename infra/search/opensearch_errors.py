"""What an OpenSearch failure means: for a search, `SEARCH_UNAVAILABLE`; for the projection,
a wait (`ServiceUnavailable`, tried again with backoff) or an error an operator must fix.

A search answers `SEARCH_UNAVAILABLE` (or `SEARCH_TIMEOUT`) whatever went wrong, so that the
other fields of a GraphQL request keep their data; the client is told to retry later, and the
operator reads what happened in the log, once per search, with OpenSearch's status and error
type. Passing failures (no connection, a missing index or alias, 429, 5xx) are warnings; a
refusal that stays until someone acts (credentials refused with 401 or 403, a request too large
for the cluster with 413, a 400 for a request OpenSearch cannot parse: our bug) is an error.

For the projection, unavailable means a wait: no connection, a timeout, a missing index or alias
(404: a volume reset, or an index deleted by hand), a cluster block or too many requests (429),
all shards failed (503) and every other 5xx. Any other 4xx stops it for an operator.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from opensearchpy.exceptions import ConnectionError as Unreachable
from opensearchpy.exceptions import ConnectionTimeout, OpenSearchException, TransportError

from infra.failures import ServiceUnavailable
from projections.search_query import SearchTimeout, SearchUnavailable

log = logging.getLogger(__name__)

# What a client reads for any failure but a missing index; the details are the operator's.
RETRY_LATER = (
    "The search engine cannot answer at the moment; retry later. The directory's records are "
    "safe, and searches will find every change made meanwhile."
)
BUILDING = (
    "The directory's search index is being built; retry later: searches work again as soon as "
    "it is complete."
)

# What an operator does about a search OpenSearch refuses.
REFUSALS: dict[int | str, str] = {
    400: "a request of ours it cannot read: a bug to report",
    401: "GUICHET_OPENSEARCH_URL's credentials are refused: expired or rotated",
    403: "GUICHET_OPENSEARCH_URL's user may not read the index",
    413: "a request larger than the cluster's http.max_content_length",
}

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
    """A search's requests: every failure is `SEARCH_UNAVAILABLE` (or `SEARCH_TIMEOUT`),
    logged here once with what OpenSearch said."""
    try:
        yield
    except ConnectionTimeout as error:
        log.warning("search: OpenSearch did not answer within %g s", timeout + 1)
        raise SearchTimeout(timeout) from error
    except TransportError as error:
        if passing(error):
            log.warning("search: OpenSearch %s", reason(error))
        else:
            hint = REFUSALS.get(error.status_code, "a request it refuses whatever its state")
            log.error("search: OpenSearch %s (%s)", reason(error), hint)
        raise SearchUnavailable(BUILDING if error.status_code == 404 else RETRY_LATER) from error
    except OpenSearchException as error:  # the client's own, such as an answer it cannot read
        log.error("search: the OpenSearch client failed: %r", error)
        raise SearchUnavailable(RETRY_LATER) from error


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
