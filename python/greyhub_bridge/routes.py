"""The bridge's route table: each part (spawner, authenticator) adds its handlers here at import time.

A part is a module with ``ROUTES.extend([(pattern, HandlerClass), ...])`` and ``HOSTS["name"] = describe`` where
``describe(bridge)`` returns what the handshake says about it (or None when the part is not configured).
Parts are listed in ``PARTS`` and imported by the app before the server starts.
"""

# (url pattern, tornado RequestHandler subclass), in the order tornado matches them.
ROUTES = []

# Handshake entries: name -> callable(bridge) -> JSON-able description or None.
HOSTS = {}

# Modules that add routes; the authenticator part appends its module here.
PARTS = ["greyhub_bridge.spawners", "greyhub_bridge.authenticator"]
