"""A JupyterHub service for Greyhub's tests, written like JupyterHub's whoami examples.

JupyterHub's own HubOAuth and HubAuth (Debian's jupyterhub package, unmodified) do the work:

  PREFIX                 HubOAuthenticated: a browser logs in through the hub's OAuth; answers the user model as JSON
  PREFIX/oauth_callback  HubOAuthCallbackHandler: finishes that login
  PREFIX/token           HubAuthenticated: a request with 'Authorization: token ...' only; answers the model as JSON
  PREFIX/env             what the hub gave this process (the token itself never shown), and who its token says it is

It listens where JUPYTERHUB_SERVICE_URL says and serves under JUPYTERHUB_SERVICE_PREFIX.
"""

import hashlib
import json
import os
import signal
import sys
from urllib.parse import urlparse

from jupyterhub.services.auth import (
    HubAuth,
    HubAuthenticated,
    HubOAuthCallbackHandler,
    HubOAuthenticated,
)
from jupyterhub.utils import url_path_join
from tornado import httpclient, ioloop, web


def _json(handler, model):
    handler.set_header("Content-Type", "application/json")
    handler.write(json.dumps(model, sort_keys=True))


class WhoAmI(HubOAuthenticated, web.RequestHandler):
    @web.authenticated
    def get(self):
        _json(self, self.get_current_user())


class TokenWhoAmI(HubAuthenticated, web.RequestHandler):
    # Its own HubAuth rather than HubAuth.instance(): traitlets keeps one singleton per class family, so whichever of
    # HubAuth and HubOAuth (the login above) was asked for first would make the other fail for the life of the process.
    _hub_auth = HubAuth()

    def get_login_url(self):
        # An API: no login page to send anyone to.
        raise web.HTTPError(403, "a token with access to this service is required")

    @web.authenticated
    def get(self):
        _json(self, self.get_current_user())


class Environment(web.RequestHandler):
    async def get(self):
        env = {
            k: v
            for k, v in os.environ.items()
            if k.startswith("JUPYTERHUB_") or k.startswith("GREYHUB_TEST_") or k in ("USER", "HOME", "SHELL", "PATH")
        }
        token = os.environ.get("JUPYTERHUB_API_TOKEN", "")
        for secret in ("JUPYTERHUB_API_TOKEN", "JPY_API_TOKEN"):
            if secret in env:
                env[secret] = "sha256:" + hashlib.sha256(env[secret].encode()).hexdigest()
        response = await httpclient.AsyncHTTPClient().fetch(
            url_path_join(os.environ["JUPYTERHUB_API_URL"], "user"),
            headers={"Authorization": "token " + token},
            raise_error=False,
        )
        identity = json.loads(response.body) if response.code == 200 else {"status": response.code}
        _json(self, {"env": env, "pid": os.getpid(), "uid": os.getuid(), "cwd": os.getcwd(), "token_identity": identity})


def main():
    prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/")
    url = urlparse(os.environ["JUPYTERHUB_SERVICE_URL"])
    app = web.Application(
        [
            (prefix, WhoAmI),
            (url_path_join(prefix, "oauth_callback"), HubOAuthCallbackHandler),
            (url_path_join(prefix, "token"), TokenWhoAmI),
            (url_path_join(prefix, "env"), Environment),
        ],
        cookie_secret=os.urandom(32),
    )
    app.listen(url.port, url.hostname)
    print(f"whoami service {os.environ.get('JUPYTERHUB_SERVICE_NAME')} listening on {url.hostname}:{url.port}{prefix}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    ioloop.IOLoop.current().start()


if __name__ == "__main__":
    main()
