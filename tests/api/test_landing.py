"""The landing page at `/` and the pages' own files: bilingual, linking where a person goes
next, nothing loaded from elsewhere, a policy that says so, files cached by their digest."""

from __future__ import annotations

from html.parser import HTMLParser
from importlib.metadata import version
from urllib.parse import urljoin, urlsplit

import httpx
from starlette.requests import Request

from api.assets import page
from api.landing import landing_endpoint

LINKS = {"graphql", "health", "metrics", "hsds/", "hsds/openapi.json"}


class Reading(HTMLParser):
    """The links, loaded files, languages and headings of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.loaded: list[str] = []
        self.languages: list[str] = []
        self.headings: list[str] = []
        self.inline_scripts = 0
        self._script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if "lang" in found:
            self.languages.append(found["lang"])
        if tag == "a":
            self.links.append(found["href"])
        elif tag == "link":
            self.loaded.append(found["href"])
        elif tag == "script":
            if "src" in found:
                self.loaded.append(found["src"])
            self._script = True
        elif tag in ("h1", "h2"):
            self.headings.append(tag)
        if "style" in found or any(name.startswith("on") for name in found):
            self.inline_scripts += 1

    def handle_endtag(self, tag: str) -> None:
        self._script = self._script and tag != "script"

    def handle_data(self, data: str) -> None:
        if self._script and data.strip():
            self.inline_scripts += 1


def read(response: httpx.Response) -> Reading:
    reading = Reading()
    reading.feed(response.text)
    return reading


def only_self(response: httpx.Response) -> None:
    policy = {
        part.split()[0]: part.split()[1:]
        for part in response.headers["content-security-policy"].split(";")
    }
    assert policy["default-src"] == ["'none'"], policy
    for sources in policy.values():
        assert set(sources) <= {"'self'", "'none'", "data:"}, policy


async def files_are_served(http: httpx.AsyncClient, base: str, reading: Reading) -> None:
    for url in reading.loaded:
        if url.startswith("data:"):
            continue
        assert not urlsplit(url).netloc, url  # on this server, whatever its name
        served = await http.get(urljoin(base, url), headers={"Accept-Encoding": "gzip"})
        assert served.status_code == 200, url
        if len(served.content) > 1024:  # smaller ones are not worth compressing
            assert served.headers["content-encoding"] == "gzip", url
            assert served.num_bytes_downloaded < len(served.content), url
        assert "immutable" in served.headers["cache-control"], url
        assert served.headers["x-content-type-options"] == "nosniff"
        assert served.headers["content-type"].split(";")[0] in ("text/css", "text/javascript")


async def test_the_landing_page_names_the_service_and_links_where_to_go(
    http: httpx.AsyncClient,
) -> None:
    response = await http.get("/")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    only_self(response)
    reading = read(response)
    assert set(reading.links) >= LINKS, reading.links
    assert reading.languages[:3] == ["fr", "fr", "en"]  # the page, then French first
    assert reading.headings[0] == "h1"
    assert reading.headings.count("h1") == 1
    assert reading.inline_scripts == 0
    assert f'Guichet <span class="version">{version("guichet")}</span>' in response.text
    assert 'name="viewport"' in response.text
    await files_are_served(http, "http://guichet.test/", reading)
    for link in LINKS - {"metrics"}:  # /metrics is another part's
        target = await http.get("/" + link, headers={"Accept": "text/html"})
        assert target.status_code == 200, link


async def test_graphiql_is_our_page_loading_only_our_files(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", headers={"Accept": "text/html"})

    assert response.status_code == 200
    only_self(response)
    reading = read(response)
    assert reading.inline_scripts == 0
    scripts = [url for url in reading.loaded if ".js" in url]
    assert [urlsplit(url).path for url in scripts] == [
        "static/graphiql/react.production.min.js",
        "static/graphiql/react-dom.production.min.js",
        "static/graphiql/graphiql.min.js",
        "static/guichet/graphiql.js",
    ]
    await files_are_served(http, "http://guichet.test/graphql", reading)


async def test_a_query_by_get_is_still_answered_as_json(http: httpx.AsyncClient) -> None:
    response = await http.get("/graphql", params={"query": "{ __typename }"})

    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


async def test_a_file_that_is_not_there_is_404(http: httpx.AsyncClient) -> None:
    assert (await http.get("/static/graphiql/nothing.js")).status_code == 404
    assert (await http.get("/static/../api/app.py")).status_code == 404


def test_values_are_escaped_into_a_page() -> None:
    empty = dict.fromkeys(("graphql_fr", "graphql_en", "metrics_fr", "metrics_en"), "")
    response = page(
        "landing.html", "default-src 'none'", markup=empty,
        version='<script>alert("x")</script>', style="a.css",
    )  # fmt: skip

    assert b"<script>" not in response.body
    assert b"&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in response.body


async def test_without_graphiql_the_landing_page_does_not_link_it() -> None:
    request = Request({"type": "http", "method": "GET", "path": "/", "headers": []})

    response = await landing_endpoint(graphiql=False)(request)

    assert response.status_code == 200
    assert b'href="graphql"' not in response.body
    assert b"GraphiQL is turned off" in response.body
    assert b'href="health"' in response.body


async def test_the_metrics_link_says_it_needs_a_monitoring_or_admin_token(
    http: httpx.AsyncClient,
) -> None:
    """A browser following the link gets a 401: the page says why before, in each language."""
    import re

    text = (await http.get("/")).text
    items = re.findall(r'<li><a href="metrics">.*?</li>', text, flags=re.DOTALL)
    assert len(items) == 2, items
    french, english = items
    for item, token in ((french, "jeton"), (english, "token")):
        for word in (token, "<code>monitoring</code>", "<code>admin</code>", "401"):
            assert word in item, (word, item)
    assert (await http.get("/metrics")).status_code == 401


async def test_the_metrics_item_follows_the_metrics_setting() -> None:
    request = Request({"type": "http", "method": "GET", "path": "/", "headers": []})

    public = await landing_endpoint(graphiql=True, metrics="public")(request)
    off = await landing_endpoint(graphiql=True, metrics="off")(request)
    opened, closed = bytes(public.body), bytes(off.body)

    assert opened.count(b'href="metrics"') == 2
    assert b"401" not in opened
    assert b'href="metrics"' not in closed
    assert closed.count(b"GUICHET_METRICS=off") == 2
