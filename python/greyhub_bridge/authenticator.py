"""The authenticator part: any JupyterHub ``Authenticator`` subclass, configured as in jupyterhub_config.py
(``c.Bridge.authenticator_class`` and ``c.<Authenticator>.x``), served over the protocol's ``/v1/authenticator/*``.

JupyterHub's own outer call does the work: ``get_authenticated_user`` runs ``authenticate``, ``normalize_username``,
``validate_username``, ``check_blocked_users``, ``check_allowed``, ``is_admin`` and the ``post_auth_hook``, so an
Authenticator's own allow/block/admin settings apply exactly as in JupyterHub; the hub then applies its own on top.
"""

import asyncio
import json
from types import SimpleNamespace

from tornado import web

from greyhub_bridge.protocol import BadRequest, PluginHandler
from greyhub_bridge.routes import HOSTS, ROUTES


class AuthenticatorHost:
    """The one Authenticator instance, made as JupyterHub makes it (``parent`` is the configured application)."""

    def __init__(self, bridge, cls):
        self.cls = cls
        self.authenticator = authenticator = cls(parent=bridge)
        # As JupyterHub's app at start: the configured names normalised, and admins allowed when an allow list is set.
        authenticator.admin_users = {authenticator.normalize_username(n) for n in authenticator.admin_users}
        authenticator.blocked_users = {authenticator.normalize_username(n) for n in authenticator.blocked_users}
        if authenticator.allowed_users:
            authenticator.allowed_users = {authenticator.normalize_username(n) for n in authenticator.allowed_users}
            authenticator.allowed_users |= authenticator.admin_users

    async def authenticate(self, data):
        authenticated = await _maybe(self.authenticator.get_authenticated_user(None, data))
        if authenticated is None:
            return None
        user = {"name": authenticated["name"], "admin": authenticated.get("admin")}
        # Groups count only when the Authenticator manages them (JupyterHub ignores them otherwise).
        groups = authenticated.get("groups")
        user["groups"] = [str(g) for g in groups] if self.authenticator.manage_groups and groups is not None else None
        user["auth_state"] = _json_object(authenticated.get("auth_state"), "auth_state")
        return user

    async def pre_spawn_start(self, body):
        hub_user, spawner = self._hook_arguments(body)
        await _maybe(self.authenticator.pre_spawn_start(hub_user, spawner))
        return {str(k): str(v) for k, v in (spawner.environment or {}).items()}

    async def post_spawn_stop(self, body):
        hub_user, spawner = self._hook_arguments(body)
        await _maybe(self.authenticator.post_spawn_stop(hub_user, spawner))

    def _hook_arguments(self, body):
        user = body.get("user")
        if not isinstance(user, dict) or not isinstance(user.get("name"), str):
            raise BadRequest("user must be an object with a name")
        auth_state = body.get("auth_state")
        if auth_state is not None and not isinstance(auth_state, dict):
            raise BadRequest("auth_state must be an object or null")
        server_name = body.get("server_name") or ""
        if not isinstance(server_name, str):
            raise BadRequest("server_name must be a string")

        async def get_auth_state():
            return auth_state

        hub_user = SimpleNamespace(name=user["name"], admin=bool(user.get("admin")),
                                   groups=[SimpleNamespace(name=g) for g in user.get("groups") or []],
                                   get_auth_state=get_auth_state)
        # The parts of a Spawner an Authenticator's hook touches; only the environment goes back to the hub.
        spawner = SimpleNamespace(user=hub_user, name=server_name, environment={}, user_options={})
        return hub_user, spawner


def _json_object(value, what):
    if value is None:
        return None
    if not isinstance(value, dict):
        raise TypeError(f"the Authenticator returned {what} that is not a dict")
    # Fails here, with a clear message, rather than half-way through the answer.
    return json.loads(json.dumps(value))


async def _maybe(value):
    if asyncio.iscoroutine(value) or isinstance(value, asyncio.Future):
        return await value
    return value


def setup(bridge):
    cls = bridge.load_class(bridge.authenticator_class, "authenticator_class")
    bridge.authenticator_host = AuthenticatorHost(bridge, cls) if cls is not None else None


def _describe(bridge):
    host = getattr(bridge, "authenticator_host", None)
    if host is None:
        return None
    return {"class": f"{host.cls.__module__}.{host.cls.__name__}", "calls": ["authenticate", "pre_spawn_start", "post_spawn_stop"],
            "manage_groups": bool(host.authenticator.manage_groups)}


class _AuthenticatorHandler(PluginHandler):
    def prepare(self):
        super().prepare()
        if self.bridge.authenticator_host is None:
            raise web.HTTPError(404, reason="this bridge hosts no authenticator (set c.Bridge.authenticator_class)")
        self.host = self.bridge.authenticator_host


class AuthenticateHandler(_AuthenticatorHandler):
    async def post(self):
        data = self.body().get("data")
        if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
            raise BadRequest("data must be an object of strings (the login form's fields)")
        self.answer({"user": await self.host.authenticate(data)})


class PreSpawnStartHandler(_AuthenticatorHandler):
    async def post(self):
        self.answer({"environment": await self.host.pre_spawn_start(self.body())})


class PostSpawnStopHandler(_AuthenticatorHandler):
    async def post(self):
        await self.host.post_spawn_stop(self.body())
        self.answer({})


ROUTES.extend([
    (r"/v1/authenticator/authenticate", AuthenticateHandler),
    (r"/v1/authenticator/pre_spawn_start", PreSpawnStartHandler),
    (r"/v1/authenticator/post_spawn_stop", PostSpawnStopHandler),
])
HOSTS["authenticator"] = _describe
