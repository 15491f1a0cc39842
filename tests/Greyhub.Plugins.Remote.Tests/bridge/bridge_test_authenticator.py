"""A small JupyterHub Authenticator for the bridge's tests: passwords from its config, groups and auth_state in its
answer, and a pre_spawn_start that puts auth_state and groups into the server's environment."""

import json
import os

from jupyterhub.auth import Authenticator
from traitlets import Dict


class GroupsAuthenticator(Authenticator):
    passwords = Dict(config=True, help="user name -> password")

    async def authenticate(self, handler, data):
        name = data.get("username", "")
        if not name or self.passwords.get(name) != data.get("password"):
            return None
        return {
            "name": name,
            "groups": ["bridge-users", f"team-{name}"],
            "auth_state": {"token": f"token-of-{name}", "claims": {"email": f"{name}@example.org"}},
        }

    async def pre_spawn_start(self, user, spawner):
        auth_state = await user.get_auth_state()
        spawner.environment["BRIDGE_TOKEN"] = (auth_state or {}).get("token", "none")
        spawner.environment["BRIDGE_GROUPS"] = ",".join(sorted(g.name for g in user.groups))
        spawner.environment["BRIDGE_SERVER"] = spawner.name or "default"

    async def post_spawn_stop(self, user, spawner):
        # Where the test reads it: who stopped which server, with the auth_state the hub sent back.
        path = os.environ.get("BRIDGE_STOP_LOG")
        if path:
            auth_state = await user.get_auth_state()
            with open(path, "a") as f:
                f.write(f"{user.name} {spawner.name or 'default'} {(auth_state or {}).get('token', 'none')}\n")


class RefreshingAuthenticator(GroupsAuthenticator):
    """GroupsAuthenticator with a refresh_user the test steers through a JSON file (BRIDGE_REFRESH_FILE):
    {"user": "fresh" | "expired" | "raise" | {"groups": [...], "auth_state": {...}}}; each call appends the user's name and the
    auth_state token it was given to BRIDGE_REFRESH_LOG. Its auth_refresh_age is read from BRIDGE_REFRESH_AGE_FILE at
    each handshake, so the test can make sign-ins go stale without waiting five minutes."""

    @property
    def auth_refresh_age(self):
        with open(os.environ["BRIDGE_REFRESH_AGE_FILE"]) as f:
            return int(f.read().strip())

    async def refresh_user(self, user, handler=None):
        auth_state = await user.get_auth_state()
        with open(os.environ["BRIDGE_REFRESH_LOG"], "a") as f:
            f.write(f"{user.name} {(auth_state or {}).get('token', 'none')}\n")
        try:
            with open(os.environ["BRIDGE_REFRESH_FILE"]) as f:
                answers = json.load(f)
        except FileNotFoundError:
            answers = {}
        answer = answers.get(user.name, "fresh")
        if answer == "fresh":
            return True
        if answer == "expired":
            return False
        if answer == "raise":
            raise RuntimeError(f"{user.name} was revoked")
        return answer
