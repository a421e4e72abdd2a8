"""The fake cluster's answers to each endpoint, with OpenSearch 2.x's statuses and bodies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.support.fake_analysis import Unsupported, analyzer
from tests.support.fake_opensearch import NAME, Index, Request, error, missing

if TYPE_CHECKING:
    from tests.support.fake_opensearch import FakeCluster

Answer = tuple[int, dict[str, Any] | None]
ACK: dict[str, Any] = {"acknowledged": True}


def answer(cluster: FakeCluster, r: Request) -> Answer:
    parts = [p for p in r.path.split("/") if p]
    m = r.method
    if not parts:
        return (200, None) if m == "HEAD" else (200, {"version": {"number": "2.19.0"}})
    if parts[0] == "_index_template" and len(parts) == 2 and m == "PUT":
        cluster.templates[parts[1]] = r.body
        return 200, ACK
    if parts[0] == "_index_template" and len(parts) == 2 and m == "DELETE":
        if cluster.templates.pop(parts[1], None) is None:
            return error(
                404, "index_template_missing_exception", f"index_template [{parts[1]}] missing"
            )
        return 200, ACK
    if parts == ["_aliases"] and m == "POST":
        return aliases(cluster, r.body)
    if parts == ["_bulk"] and m in ("POST", "PUT"):
        return bulk(cluster, r)
    if parts[0] == "_alias" and len(parts) == 2:
        holders = cluster.holding(parts[1])
        if not holders:
            return 404, {"error": f"alias [{parts[1]}] missing", "status": 404}
        return 200, None if m == "HEAD" else _aliases_of(cluster, holders, parts[1])
    target = parts[0]
    names = cluster.expand(target)
    wild = any(c in target for c in "*?,")
    if len(parts) == 1 and m == "PUT":
        return create(cluster, target, r.body or {})
    if not names and wild and (parts[1:] == ["_alias"] or m == "DELETE"):
        return 200, {} if m == "GET" else ACK
    if not names:
        return missing(target)
    if len(parts) == 1:
        if m == "HEAD":
            return 200, None
        if m == "DELETE":
            if target in cluster.aliases():
                return error(
                    400,
                    "illegal_argument_exception",
                    f"The provided expression [{target}] matches an alias, specify "
                    "the corresponding concrete indices instead.",
                )
            for name in names:
                del cluster.indices[name]
            return 200, ACK
        if m == "GET":
            return 200, {n: _describe(cluster.indices[n]) for n in names}
    if parts[1:] == ["_alias"] and m == "GET":
        return 200, _aliases_of(cluster, names, None)
    if parts[1:] == ["_refresh"] and m in ("POST", "GET"):
        return 200, {"_shards": {"total": len(names), "successful": len(names), "failed": 0}}
    if parts[1:] in (["_search"], ["_count"]) and m in ("POST", "GET"):
        return search(cluster, names, r.body or {}, count=parts[1] == "_count")
    if parts[1:] == ["_analyze"] and m in ("POST", "GET"):
        return analyze(cluster.indices[names[0]], r.body or {})
    return 400, {"error": f"no handler found for uri [{r.path}] and method [{m}]", "status": 400}


def analyze(index: Index, body: dict[str, Any]) -> Answer:
    name = body.get("analyzer", "standard")
    try:
        analyse = analyzer(index.settings, name)
    except Unsupported as refused:
        return error(400, "illegal_argument_exception", f"the fake does not run {refused}")
    except KeyError as undefined:
        return error(400, "illegal_argument_exception", f"failed to find {undefined}")
    texts = body.get("text", "")
    tokens = []
    for text in [texts] if isinstance(texts, str) else texts:
        tokens += [{"token": t, "start_offset": s, "end_offset": e, "type": "word"}
                   for t, s, e in analyse(text)]  # fmt: skip
    return 200, {"tokens": [{**t, "position": i} for i, t in enumerate(tokens)]}


def _describe(index: Index) -> dict[str, Any]:
    return {"aliases": index.aliases, "mappings": index.mappings, "settings": index.settings}


def _aliases_of(cluster: FakeCluster, names: list[str], only: str | None) -> dict[str, Any]:
    return {
        n: {"aliases": {a: v for a, v in cluster.indices[n].aliases.items() if only in (None, a)}}
        for n in names
    }


def create(cluster: FakeCluster, name: str, body: dict[str, Any]) -> Answer:
    if name in cluster.indices:
        return error(
            400,
            "resource_already_exists_exception",
            f"index [{name}/xyz] already exists",
            index=name,
        )
    if name in cluster.aliases() or not NAME.match(name):
        return error(
            400,
            "invalid_index_name_exception",
            f"Invalid index name [{name}], already exists as alias",
            index=name,
        )
    unknown = set(body) - {"settings", "mappings", "aliases"}
    if unknown:
        return error(400, "parse_exception", f"unknown key [{sorted(unknown)[0]}] for create index")
    index = Index(body.get("settings", {}), body.get("mappings", {}))
    for alias, options in body.get("aliases", {}).items():
        index.aliases[alias] = dict(options)
    cluster.indices[name] = index
    return 200, {"acknowledged": True, "shards_acknowledged": True, "index": name}


def aliases(cluster: FakeCluster, body: dict[str, Any]) -> Answer:
    """All actions or none, as OpenSearch applies them."""
    staged = {n: dict(i.aliases) for n, i in cluster.indices.items()}
    deleted: set[str] = set()
    for action in body.get("actions", []):
        [(kind, args)] = action.items()
        targets = cluster.expand(args["index"])
        if kind == "remove_index":
            if args["index"] in cluster.aliases() or not targets:
                return missing(args["index"])
            deleted.update(targets)
            continue
        if not targets:
            return missing(args["index"])
        alias = args["alias"]
        for name in targets:
            if kind == "add":
                options = {k: v for k, v in args.items() if k not in ("index", "alias")}
                staged[name][alias] = options
            elif kind == "remove":
                if alias not in staged[name]:
                    return error(
                        404,
                        "aliases_not_found_exception",
                        f"aliases [{alias}] missing",
                        **{"resource.type": "aliases", "resource.id": alias},
                    )
                del staged[name][alias]
    for alias in {a for found in staged.values() for a in found}:
        if alias in cluster.indices and alias not in deleted:  # applied together: see docs
            return error(
                400, "invalid_alias_name_exception",
                f"Invalid alias name [{alias}]: an index or data stream exists with the same "
                "name as the alias",
            )  # fmt: skip
        writers = [
            n
            for n, found in staged.items()
            if n not in deleted and found.get(alias, {}).get("is_write_index")
        ]
        if len(writers) > 1:
            return error(
                400,
                "illegal_state_exception",
                f"alias [{alias}] has more than one write index [{','.join(writers)}]",
            )
    for name, found in staged.items():
        cluster.indices[name].aliases = found
    for name in deleted:
        del cluster.indices[name]
    return 200, ACK


def bulk(cluster: FakeCluster, r: Request) -> Answer:
    lines = r.body if isinstance(r.body, list) else [r.body] if r.body else []
    if not lines:
        return error(
            400, "action_request_validation_exception", "Validation Failed: 1: no requests added;"
        )
    require = r.params.get("require_alias") == "true"
    items: list[dict[str, Any]] = []
    for action, source in zip(lines[0::2], lines[1::2], strict=True):
        [(kind, meta)] = action.items()
        items.append({kind: _bulk_item(cluster, meta, source, require)})
    errors = any(item[kind]["status"] >= 300 for item in items for kind in item)
    return 200, {"took": 1, "errors": errors, "items": items}


def _bulk_item(
    cluster: FakeCluster, meta: dict[str, Any], source: dict[str, Any], require: bool
) -> dict[str, Any]:
    target, id = meta["_index"], meta["_id"]
    base = {"_index": target, "_id": id}
    if target in cluster.aliases():
        name = cluster.write_index(target)
        if name is None:
            return {
                **base,
                "status": 400,
                "error": error(
                    400,
                    "illegal_argument_exception",
                    f"no write index is defined for alias [{target}]. The write index may be "
                    "explicitly disabled using is_write_index=false or the alias points to "
                    "multiple indices without one being designated as a write index",
                )[1]["error"],
            }
    elif target in cluster.indices:
        name = target
    elif require:
        return {
            **base,
            "status": 404,
            "error": missing(target)[1]["error"]
            | {
                "reason": f"no such index [{target}] and [require_alias] request flag is [true] "
                f"and [{target}] is not an alias"
            },
        }
    else:  # auto-created, without the mapping
        cluster.indices[target] = Index({}, {})
        name = target
    index = cluster.indices[name]
    version = int(meta.get("version", 1))
    found = index.documents.get(id)
    if found is not None and meta.get("version_type") == "external" and found[0] >= version:
        return {
            **base,
            "_index": name,
            "status": 409,
            "error": {
                "type": "version_conflict_engine_exception",
                "reason": f"[{id}]: version conflict, current version [{found[0]}] is higher or "
                f"equal to the one provided [{version}]",
                "index": name,
            },
        }
    index.documents[id] = (version, source)
    result = "updated" if found else "created"
    return {
        **base,
        "_index": name,
        "_version": version,
        "result": result,
        "status": 200 if found else 201,
    }


def search(cluster: FakeCluster, names: list[str], body: dict[str, Any], count: bool) -> Answer:
    documents = [
        (name, id, source)
        for name in names
        for id, (_, source) in sorted(cluster.indices[name].documents.items())
        if not source.get("removed")
    ]
    if count:
        return 200, {"count": len(documents), "_shards": {"total": 1, "successful": 1, "failed": 0}}
    size = int(body.get("size", 10))
    hits = [
        {
            "_index": name,
            "_id": id,
            "_score": 1.0,
            "_source": source,
            "sort": [_sort_value(spec, source) for spec in body.get("sort", [])],
        }
        for name, id, source in documents[:size]
    ]
    return 200, {
        "took": 1,
        "timed_out": False,
        "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
        "hits": {
            "total": {"value": len(documents), "relation": "eq"},
            "max_score": 1.0,
            "hits": hits,
        },
    }


def _sort_value(spec: Any, source: dict[str, Any]) -> Any:
    key = spec if isinstance(spec, str) else next(iter(spec))
    if key == "_score":
        return 3.0
    if key.startswith("_"):
        return 0.0
    return source.get(key)
