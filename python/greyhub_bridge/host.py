"""What JupyterHub gives a Spawner, built from what the hub sends: a user, an orm spawner with its server, the hub,
the API token, the OAuth client and callback, ``user_options`` and the saved state.

Only the attributes JupyterHub 3.0's Spawner, LocalProcessSpawner and SimpleLocalProcessSpawner read are provided;
Debian's classes are used as they are.
"""

import json
from types import SimpleNamespace
from urllib.parse import quote

from jupyterhub import orm
from jupyterhub.objects import Server
from jupyterhub.utils import url_path_join

from greyhub_bridge.protocol import BadRequest


class BridgeUser:
    """The user object a Spawner sees (JupyterHub's ``User``, the parts spawners read)."""

    def __init__(self, name, admin, groups, base_url, spawner_servers):
        self.name = name
        self.escaped_name = quote(name, safe="@~")
        self.admin = bool(admin)
        # JupyterHub gives orm.Group objects; spawners read .name.
        self.groups = [SimpleNamespace(name=g) for g in groups]
        self.base_url = base_url
        self.url = url_path_join(base_url, "user", self.escaped_name) + "/"
        self._servers = spawner_servers

    @property
    def server(self):
        """The default server, when it runs (JupyterHub's ``user.server``)."""
        return self._servers.get("")

    @property
    def spawner(self):
        return None

    def progress_url(self, server_name=""):
        return url_path_join(self.base_url, "hub/api/users", self.escaped_name, "servers", quote(server_name), "progress")

    def __repr__(self):
        return f"<BridgeUser {self.name}>"


def text(value, what, default=None):
    if value is None and default is not None:
        return default
    if not isinstance(value, str):
        raise BadRequest(f"{what} must be a string")
    return value


def read_user(body):
    user = body.get("user")
    if not isinstance(user, dict):
        raise BadRequest("user must be an object with name, admin, groups")
    name = text(user.get("name"), "user.name")
    if not name:
        raise BadRequest("user.name must not be empty")
    groups = user.get("groups") or []
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        raise BadRequest("user.groups must be a list of strings")
    return name, bool(user.get("admin", False)), groups


def decode_state(value):
    """The bridge's state string → its parts; None for a state this bridge did not write."""
    try:
        state = json.loads(value)
    except (TypeError, ValueError):
        return None
    if not isinstance(state, dict) or state.get("bridge") != 1 or not isinstance(state.get("user"), dict):
        return None
    return state


def encode_state(spawner, url):
    """Everything needed to find the server again after the bridge's or the hub's restart: who, where, and the
    spawner's own ``get_state()`` (a LocalProcessSpawner's pid). No secret goes in."""
    user = spawner.user
    return json.dumps({
        "bridge": 1,
        "user": {"name": user.name, "admin": user.admin, "groups": [g.name for g in user.groups]},
        "server_name": spawner.name,
        "base_url": user.base_url,
        "service_prefix": spawner.server.base_url if spawner.server else "",
        "url": url,
        "spawner": spawner.get_state(),
        "log": getattr(spawner, "_greyhub_log", None),
    }, sort_keys=True)


def make_spawner(bridge, cls, *, user, server_name, service_prefix, hub_api_url, public_host, oauth_client_id,
                 user_options, servers):
    """A Spawner built the way JupyterHub's ``User._new_spawner`` builds it (config, user, orm spawner, hub, ...)."""
    orm_spawner = orm.Spawner(name=server_name)
    orm_spawner.server = orm.Server(base_url=service_prefix, proto="http", ip="", port=0, cookie_name="")
    orm_spawner.user_options = user_options
    hub = SimpleNamespace(
        base_url=url_path_join(user.base_url, "hub") + "/",
        api_url=hub_api_url,
        public_host=public_host,
        url=url_path_join(user.base_url, "hub") + "/",
    )
    spawner = cls(
        user=user,
        orm_spawner=orm_spawner,
        hub=hub,
        authenticator=None,
        config=bridge.config,
        proxy_spec=service_prefix,
        oauth_client_id=oauth_client_id,
        cookie_options={},
        trusted_alt_names=[],
        user_options=user_options,
    )
    servers[server_name] = spawner.server
    return spawner


def spawner_url(spawner, result):
    """``start()``'s answer (a URL or an ``(ip, port)`` pair) as the server's full URL with its prefix, as
    JupyterHub's ``User.spawn`` reads it."""
    server = spawner.server or Server(base_url="/")
    if isinstance(result, (tuple, list)) and len(result) == 2:
        ip, port = result
        return f"{'https' if spawner.internal_ssl else 'http'}://{ip or '127.0.0.1'}:{int(port)}{server.base_url}"
    if isinstance(result, str) and result:
        from urllib.parse import urlparse
        parsed = urlparse(result)
        host = parsed.hostname or "127.0.0.1"
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        return f"{parsed.scheme or 'http'}://{host}:{port}{server.base_url}"
    raise RuntimeError(f"{type(spawner).__name__}.start() returned {result!r}, not a URL or (ip, port)")
