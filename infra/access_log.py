"""uvicorn's access log without query strings. The app's URLs carry what people look for (a
211's searches: `/app/search?q=refuge+violence`), and GraphQL GET requests their variables; a
log line would keep them beside the client's address for as long as logs are kept. The path
stays, so a line still says which screen or endpoint answered."""

from __future__ import annotations

import copy
import logging
from typing import Any

from uvicorn.config import LOGGING_CONFIG


class WithoutQuery(logging.Filter):
    """Cuts the query string off every path among a record's arguments (uvicorn's HTTP lines
    pass the path third, its WebSocket lines second)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_without_query(arg) for arg in record.args)
        return True


def _without_query(arg: object) -> object:
    if isinstance(arg, str) and arg.startswith("/") and "?" in arg:
        return arg.split("?", 1)[0] + "?…"
    return arg


def log_config() -> dict[str, Any]:
    """uvicorn's own logging configuration, with the filter on its access and WebSocket lines."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"without_query": {"()": WithoutQuery}}
    # uvicorn writes its WebSocket lines ("WebSocket /graphql?…" [accepted]) through its error
    # logger, whose handler is "default".
    config["handlers"]["access"]["filters"] = ["without_query"]
    config["handlers"]["default"]["filters"] = ["without_query"]
    return config
