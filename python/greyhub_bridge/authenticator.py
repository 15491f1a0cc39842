"""The authenticator part: any JupyterHub ``Authenticator`` subclass, configured as in jupyterhub_config.py
(``c.Bridge.authenticator_class`` and ``c.<Authenticator>.x``), served over the protocol's ``/v1/authenticator/*``.

JupyterHub's own outer call does the work: ``get_authenticated_user`` runs ``authenticate``, ``normalize_username``,
``validate_username``, ``check_blocked_users``, ``check_allowed``, ``is_admin`` and the ``post_auth_hook``, so an
Authenticator's own allow/block/admin settings apply exactly as in JupyterHub; the hub then applies its own on top.
"""

import asyncio
import json
from types import SimpleNamespace

from jupyterhub.auth import Authenticator
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

    def refreshes(self):
        """Whether the Authenticator has a refresh_user of its own (JupyterHub's answers True: nothing to ask)."""
        return type(self.authenticator).refresh_user is not Authenticator.refresh_user

    async def refresh_user(self, body):
        hub_user, _ = self._hook_arguments(body)
        # JupyterHub passes the request's handler; there is none here, as for a refresh before a spawn from the API.
        result = await _maybe(self.authenticator.refresh_user(hub_user, None))
        if result is True:
            return {"valid": True, "user": None}
        if not result:
            return {"valid": False, "user": None}
        if not isinstance(result, dict):
            raise TypeError("refresh_user returned neither True, False nor a dict")
        # The name cannot change (JupyterHub sets it back); the rest as in a sign-in's answer.
        groups = result.get("groups")
        return {"valid": True, "user": {
            "name": hub_user.name,
            "admin": result.get("admin"),
            "groups": [str(g) for g in groups] if self.authenticator.manage_groups and groups is not None else None,
            "auth_state": _json_object(result.get("auth_state"), "auth_state"),
        }}

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
    authenticator = host.authenticator
    calls = ["authenticate", "pre_spawn_start", "post_spawn_stop"] + (["refresh_user"] if host.refreshes() else [])
    return {"class": f"{host.cls.__module__}.{host.cls.__name__}", "calls": calls,
            # Read at each handshake: the hub picks up a changed age with its next health check.
            "auth_refresh_age": authenticator.auth_refresh_age, "refresh_pre_spawn": bool(authenticator.refresh_pre_spawn),
            "manage_groups": bool(authenticator.manage_groups),
            # The sign-in form as the Authenticator would have JupyterHub's login page show it (the hub sanitises it).
            # JupyterHub renders it as a template per request; the hub shows it as written, sanitised:
            # no scripts, links, ids, forms or fields named as the hub's own (_xsrf, username, password, next).
            "custom_html": str(authenticator.get_custom_html("/hub/") or "") or None,
            "login_service": str(getattr(authenticator, "login_service", "") or "") or None}


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


class RefreshUserHandler(_AuthenticatorHandler):
    async def post(self):
        self.answer(await self.host.refresh_user(self.body()))


class PostSpawnStopHandler(_AuthenticatorHandler):
    async def post(self):
        await self.host.post_spawn_stop(self.body())
        self.answer({})


ROUTES.extend([
    (r"/v1/authenticator/authenticate", AuthenticateHandler),
    (r"/v1/authenticator/pre_spawn_start", PreSpawnStartHandler),
    (r"/v1/authenticator/post_spawn_stop", PostSpawnStopHandler),
    (r"/v1/authenticator/refresh_user", RefreshUserHandler),
])
HOSTS["authenticator"] = _describe
