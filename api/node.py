"""Where the `Node` interface was; it is in `api.nodes`."""

from api.nodes import Node as Node
