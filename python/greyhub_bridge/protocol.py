"""The protocol's HTTP half shared by every part: the secret, the protocol header, JSON in and out, errors."""

import hmac
import json
import traceback

from tornado import web

PROTOCOLS = [1]
MAX_BODY = 16 * 1024 * 1024


class BadRequest(Exception):
    """The hub sent something the bridge cannot act on (answered 400)."""


class PluginHandler(web.RequestHandler):
    """Base of every route: checks ``Authorization: Bearer`` and ``Greyhub-Plugin-Protocol``, speaks JSON."""

    def initialize(self, bridge):
        self.bridge = bridge

    def prepare(self):
        given = self.request.headers.get("Authorization", "")
        expected = "Bearer " + self.bridge.secret
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise web.HTTPError(401, reason="wrong or missing secret")
        version = self.request.headers.get("Greyhub-Plugin-Protocol")
        if version is not None and version not in {str(p) for p in PROTOCOLS}:
            raise web.HTTPError(400, reason=f"protocol {version} not spoken; this bridge speaks {PROTOCOLS}")

    def body(self):
        """The request's JSON object."""
        if len(self.request.body) > MAX_BODY:
            raise BadRequest("body too large")
        try:
            value = json.loads(self.request.body or b"{}")
        except ValueError as e:
            raise BadRequest(f"malformed JSON: {e}") from None
        if not isinstance(value, dict):
            raise BadRequest("the body must be a JSON object")
        return value

    def answer(self, value):
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(value))

    def write_error(self, status_code, **kwargs):
        self.set_header("Content-Type", "application/json")
        message = self._reason
        exc = kwargs.get("exc_info")
        if exc and isinstance(exc[1], web.HTTPError) and exc[1].reason:
            message = exc[1].reason
        elif exc and not isinstance(exc[1], web.HTTPError):
            message = f"{type(exc[1]).__name__}: {exc[1]}"
        self.finish(json.dumps({"error": message}))

    def log_exception(self, typ, value, tb):
        if not isinstance(value, (web.HTTPError, BadRequest)):
            self.bridge.log.error("%s %s failed:\n%s", self.request.method, self.request.path,
                                  "".join(traceback.format_exception(typ, value, tb)))

    def _handle_request_exception(self, e):
        if isinstance(e, BadRequest):
            self.send_error(400, exc_info=(type(e), e, e.__traceback__))
            return
        super()._handle_request_exception(e)


class HandshakeHandler(PluginHandler):
    def get(self):
        hosts = {}
        from greyhub_bridge.routes import HOSTS
        for name, describe in HOSTS.items():
            described = describe(self.bridge)
            if described is not None:
                hosts[name] = described
        # "engine" keeps the engine protocol's handshake shape; "hosts" says what this bridge serves.
        self.answer({"protocols": PROTOCOLS, "engine": "jupyterhub-bridge", "runs_locally": True,
                     "bridge": "greyhub-jupyterhub-bridge", "hosts": hosts})
