"""The spawner part: a JupyterHub Spawner subclass served over the protocol's /v1/spawner/* calls.

Spawner objects live here as JupyterHub keeps them (one per user and server), so a LocalProcessSpawner's Popen
handle reaps its child; after the bridge's restart they are rebuilt from the state the hub stored (``load_state``).
"""

import asyncio
import json
import os
import re
import subprocess

from tornado import iostream, web

from greyhub_bridge import host
from greyhub_bridge.protocol import BadRequest, PluginHandler
from greyhub_bridge.routes import HOSTS, ROUTES

MAX_EVENTS = 1000


class Spawn:
    """One start in flight: its progress events and, at the end, url + state or an error."""

    def __init__(self, spawner):
        self.spawner = spawner
        self.events = [{"progress": 0, "message": "Server requested"}]
        self.changed = asyncio.Event()
        self.done = False
        self.url = None
        self.state = None
        self.error = None
        self.log = ""
        self.task = None

    def add(self, event):
        if len(self.events) < MAX_EVENTS:
            self.events.append(event)
        self.changed.set()

    def answer(self, after):
        answer = {"events": self.events[after:], "next": len(self.events), "done": self.done}
        if self.done:
            answer.update({"url": self.url, "state": self.state} if self.error is None
                          else {"error": self.error, "log": self.log})
        return answer


class SpawnerHost:
    """The hosted Spawner class, its live instances and the starts in flight."""

    def __init__(self, bridge, cls):
        self.bridge = bridge
        self.cls = cls
        self.spawners = {}  # (user, server) -> Spawner
        self.servers = {}  # user -> {server name -> Server}, for user.server
        self.spawns = {}  # spawn id -> Spawn
        # Whether the configured class has an options form (a string or a callable), so the hub shows its spawn page.
        try:
            self.has_form = bool(cls(config=bridge.config).options_form)
        except Exception:  # noqa: BLE001 - a class that cannot be built without a user: assume it may ask
            self.has_form = True

    def _user(self, name, admin, groups, base_url):
        return host.BridgeUser(name, admin, groups, base_url, self.servers.setdefault(name, {}))

    def _build(self, body, user_options):
        name, admin, groups = host.read_user(body)
        server_name = host.text(body.get("server_name"), "server_name", "")
        prefix = host.text(body.get("service_prefix"), "service_prefix")
        base_url = host.text(body.get("base_url"), "base_url", "/")
        env = body.get("environment") or {}
        if not isinstance(env, dict) or not all(isinstance(v, str) for v in env.values()):
            raise BadRequest("environment must be an object of strings")
        user = self._user(name, admin, groups, base_url)
        spawner = host.make_spawner(
            self.bridge, self.cls, user=user, server_name=server_name, service_prefix=prefix,
            hub_api_url=host.text(body.get("hub_api_url"), "hub_api_url", env.get("JUPYTERHUB_API_URL", "")),
            public_host=env.get("JUPYTERHUB_HOST", ""),
            oauth_client_id=host.text(body.get("oauth_client_id"), "oauth_client_id",
                                      env.get("JUPYTERHUB_CLIENT_ID", "")),
            user_options=user_options, servers=self.servers[name])
        return spawner, env

    def _capture_output(self, spawner):
        """A LocalProcessSpawner (or subclass) writes its server's output to a file of the bridge's own, unless the
        operator sent it elsewhere (``popen_kwargs`` stdout/stderr): the hub's log tail, even after restarts."""
        kwargs = getattr(spawner, "popen_kwargs", None)
        if not isinstance(kwargs, dict) or "stdout" in kwargs or "stderr" in kwargs:
            return
        folder = self.log_dir()
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{spawner.user.name}--{spawner.name}")[:200]
        path = os.path.join(folder, safe + ".log")
        # Truncated per start, created by the bridge; the child only inherits the open descriptor.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        out = os.fdopen(fd, "ab", buffering=0)
        spawner.popen_kwargs = {**kwargs, "stdout": out, "stderr": subprocess.STDOUT}
        spawner._greyhub_log = path
        spawner._greyhub_log_file = out

    def log_dir(self):
        folder = os.path.realpath(self.bridge.server_log_dir)
        os.makedirs(folder, mode=0o700, exist_ok=True)
        if os.stat(folder).st_uid != os.getuid():
            raise web.HTTPError(500, reason=f"the server log folder {folder} is not the bridge's own")
        return folder

    def log(self, body):
        """The last ``max_bytes`` of a server's output, from the file named in its state (only inside the log folder)."""
        state = host.decode_state(body.get("state"))
        max_bytes = body.get("max_bytes", 65536)
        if not isinstance(max_bytes, int) or max_bytes < 0:
            raise BadRequest("max_bytes must be a non-negative integer")
        return self.tail(state and state.get("log"), max_bytes)

    def tail(self, path, max_bytes):
        if not isinstance(path, str) or max_bytes == 0:
            return ""
        folder = self.log_dir()
        path = os.path.realpath(path)
        if os.path.dirname(path) != folder:
            return ""
        try:
            with open(path, "rb") as f:
                f.seek(0, os.SEEK_END)
                size = f.tell()
                f.seek(max(0, size - max_bytes))
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def from_state(self, value):
        """The live Spawner of a stored state, or one rebuilt from it (after the bridge restarted); None when the
        state is not one of this bridge's."""
        state = host.decode_state(value)
        if state is None:
            return None
        user = state["user"]
        key = (user.get("name"), state.get("server_name", ""))
        spawner = self.spawners.get(key)
        if spawner is not None and spawner.get_state() == state.get("spawner"):
            return spawner
        body = {"user": user, "server_name": key[1], "service_prefix": state.get("service_prefix") or "/",
                "base_url": state.get("base_url") or "/"}
        spawner, _ = self._build(body, {})
        spawner.load_state(state.get("spawner") or {})
        self.spawners[key] = spawner
        return spawner

    def start(self, body):
        spawn_id = host.text(body.get("spawn_id"), "spawn_id")
        if not spawn_id or len(spawn_id) > 200:
            raise BadRequest("spawn_id must be a non-empty string")
        if spawn_id in self.spawns:
            return  # a retried start: the first is the one
        user_options = body.get("user_options") or {}
        if not isinstance(user_options, dict):
            raise BadRequest("user_options must be an object")
        spawner, env = self._build(body, user_options)
        # As User._new_spawner then User.spawn: load the stored state, clear what a new start must not reuse.
        saved = body.get("state")
        if saved:
            old = host.decode_state(saved)
            if old is not None:
                spawner.load_state(old.get("spawner") or {})
        spawner.clear_state()
        spawner.api_token = host.text(body.get("api_token"), "api_token", env.get("JUPYTERHUB_API_TOKEN", ""))
        for trait, key in (("oauth_access_scopes", "JUPYTERHUB_OAUTH_ACCESS_SCOPES"),
                           ("oauth_client_allowed_scopes", "JUPYTERHUB_OAUTH_CLIENT_ALLOWED_SCOPES")):
            if key in env:
                try:
                    setattr(spawner, trait, json.loads(env[key]))
                except ValueError:
                    raise BadRequest(f"environment {key} is not JSON") from None
        arguments = body.get("arguments") or []
        if not isinstance(arguments, list) or not all(isinstance(a, str) for a in arguments):
            raise BadRequest("arguments must be a list of strings")
        # The hub's own arguments (--Class.trait=value) go after the operator's, unless the operator set that option.
        given = {a.split("=", 1)[0] for a in spawner.args if a.startswith("--")}
        spawner.args = list(spawner.args) + [a for a in arguments if a.split("=", 1)[0] not in given]
        _extend_env(spawner, env)
        self._capture_output(spawner)
        key = (spawner.user.name, spawner.name)
        self.spawners[key] = spawner
        spawn = Spawn(spawner)
        self.spawns[spawn_id] = spawn
        spawn.task = asyncio.ensure_future(self._run(spawn_id, spawn))

    async def _run(self, spawn_id, spawn):
        spawner = spawn.spawner
        spawner._spawn_pending = True
        progress = asyncio.ensure_future(self._progress(spawn))
        try:
            await _maybe(spawner.run_pre_spawn_hook())
            result = await asyncio.wait_for(_maybe(spawner.start()), timeout=spawner.start_timeout)
            spawn.url = host.spawner_url(spawner, result)
            spawn.state = host.encode_state(spawner, spawn.url)
            _close_log(spawner)
        except Exception as e:  # noqa: BLE001 - any failure of the hosted class is the spawn's error
            self.bridge.log.exception("start of %s failed", spawner._log_name)
            spawn.error = (f"{type(spawner).__name__}.start() did not finish within {spawner.start_timeout} s"
                           if isinstance(e, asyncio.TimeoutError) else f"{type(spawner).__name__}.start() failed: {e}")
            # As JupyterHub does: a failed start is stopped, nothing is left behind.
            try:
                await _maybe(spawner.stop(now=True))
            except Exception:  # noqa: BLE001
                self.bridge.log.exception("stop after failed start of %s failed", spawner._log_name)
            spawner.clear_state()
            self.spawners.pop((spawner.user.name, spawner.name), None)
            _close_log(spawner)
            spawn.log = self.tail(getattr(spawner, "_greyhub_log", None), 4000)
        finally:
            spawner._spawn_pending = False
            progress.cancel()
            spawn.done = True
            spawn.changed.set()
            # Answers stay a while for a hub that retries its last progress call, then go.
            asyncio.get_running_loop().call_later(600, self.spawns.pop, spawn_id, None)

    async def _progress(self, spawn):
        try:
            first = True
            async for event in spawn.spawner._generate_progress():
                if first:
                    first = False  # "Server requested" is already there
                    continue
                if isinstance(event, dict):
                    spawn.add({k: event[k] for k in ("progress", "message", "html_message") if k in event})
        except asyncio.CancelledError:
            pass
        except Exception:  # noqa: BLE001 - a broken progress() must not break the start
            self.bridge.log.exception("progress() of %s failed", spawn.spawner._log_name)

    def _follow_args(self, body):
        spawn_id = host.text(body.get("spawn_id"), "spawn_id")
        spawn = self.spawns.get(spawn_id)
        if spawn is None:
            raise web.HTTPError(404, reason=f"no start {spawn_id} (the bridge restarted, or it ended long ago)")
        after = body.get("after", 0)
        wait = body.get("wait_seconds", 10)
        if not isinstance(after, int) or isinstance(after, bool) or after < 0 \
                or not isinstance(wait, (int, float)) or isinstance(wait, bool) or wait < 0:
            raise BadRequest("after must be a count and wait_seconds a non-negative number")
        return spawn, after, min(wait, 30)

    @staticmethod
    async def _news(spawn, after, wait):
        """Waits (at most ``wait`` seconds) until the start has events after ``after`` or is done."""
        if not spawn.done and len(spawn.events) <= after:
            spawn.changed.clear()
            try:
                await asyncio.wait_for(spawn.changed.wait(), timeout=wait)
            except asyncio.TimeoutError:
                pass

    async def progress(self, body):
        spawn, after, wait = self._follow_args(body)
        await self._news(spawn, after, wait)
        return spawn.answer(after)

    def follow(self, body):
        """The answers of a streamed progress call (1.3): one each time the start has news, an empty one after
        ``wait_seconds`` of silence (the hub's sign that the bridge still lives), the last one done. Checked before the
        first is sent, so a bad call is still answered with an error."""
        spawn, after, wait = self._follow_args(body)
        wait = max(wait, 0.5)

        async def answers():
            nonlocal after
            while True:
                await self._news(spawn, after, wait)
                answer = spawn.answer(after)
                after = answer["next"]
                yield answer
                if answer["done"]:
                    return
        return answers()

    async def poll_one(self, value):
        spawner = self.from_state(value) if isinstance(value, str) else None
        if spawner is None:
            return {"running": False, "reason": "not a server of this bridge"}
        status = await _maybe(spawner.poll())
        if status is None:
            state = host.decode_state(value)
            return {"running": True, "url": state.get("url")}
        self.spawners.pop((spawner.user.name, spawner.name), None)
        return {"running": False, "exit_code": status if isinstance(status, int) else None,
                "reason": f"{type(spawner).__name__}.poll() says it ended with {status}"}

    async def wait(self, body, gone):
        """The server's status once it no longer runs, or after ``wait_seconds`` (at most 60) with it running: the
        hub's one call while a started server comes up, instead of a poll every 100 ms. The bridge asks the spawner's
        own ``poll()`` as the hub would have (every 0.1 s, every second once the wait has lasted a minute), and stops
        asking when the hub hangs up (``gone()``)."""
        value = body.get("state")
        wait = body.get("wait_seconds", 30)
        if not isinstance(value, str) or isinstance(wait, bool) or not isinstance(wait, (int, float)) or wait < 0:
            raise BadRequest("state must be a string and wait_seconds a non-negative number")
        loop = asyncio.get_running_loop()
        begun = loop.time()
        end = begun + min(wait, 60)
        while True:
            status = await self.poll_one(value)
            now = loop.time()
            if not status["running"] or now >= end or gone():
                return status
            await asyncio.sleep(min(0.1 if now - begun < 60 else 1.0, end - now))

    async def stop(self, body):
        value = body.get("state")
        spawner = self.from_state(value) if isinstance(value, str) else None
        if spawner is None:
            return
        await _maybe(spawner.stop(now=bool(body.get("now", False))))
        # As User.stop: the post-stop hook, then clear_state (what is left is what the next start loads).
        try:
            await _maybe(spawner.run_post_stop_hook())
        except Exception:  # noqa: BLE001 - JupyterHub logs a failing hook and stops anyway
            self.bridge.log.exception("post_stop_hook of %s failed", spawner._log_name)
        spawner.clear_state()
        self.spawners.pop((spawner.user.name, spawner.name), None)
        self.servers.get(spawner.user.name, {}).pop(spawner.name, None)

    async def options_form(self, body):
        spawner, _ = self._build({**body, "service_prefix": body.get("service_prefix") or "/"}, {})
        form = await _maybe(spawner.get_options_form())
        return {"html": form or None}

    async def options_from_form(self, body):
        form = body.get("form_data")
        if not isinstance(form, dict) or not all(
                isinstance(v, list) and all(isinstance(i, str) for i in v) for v in form.values()):
            raise BadRequest("form_data must be an object of string lists (as a form posts them)")
        spawner, _ = self._build({**body, "service_prefix": body.get("service_prefix") or "/"}, {})
        options = await _maybe(spawner.run_options_from_form(form)) if hasattr(spawner, "run_options_from_form") \
            else await _maybe(spawner.options_from_form(form))
        try:
            json.dumps(options)
        except (TypeError, ValueError):
            raise BadRequest(f"options_from_form returned something that is not JSON: {options!r}") from None
        return {"user_options": options if isinstance(options, dict) else {}}


def _close_log(spawner):
    """The bridge's copy of the log descriptor: the child has its own."""
    out = getattr(spawner, "_greyhub_log_file", None)
    if out is not None:
        out.close()
        spawner._greyhub_log_file = None


def _extend_env(spawner, hub_env):
    """The spawner's own ``get_env()`` decides (as in JupyterHub); variables only the hub knows are added."""
    own = spawner.get_env

    def get_env():
        env = own()
        for key, value in hub_env.items():
            env.setdefault(key, value)
        return env

    spawner.get_env = get_env


async def _maybe(value):
    if asyncio.iscoroutine(value) or isinstance(value, asyncio.Future):
        return await value
    return value


def setup(bridge):
    cls = bridge.load_class(bridge.spawner_class, "spawner_class")
    bridge.spawner_host = SpawnerHost(bridge, cls) if cls is not None else None


def _describe(bridge):
    if getattr(bridge, "spawner_host", None) is None:
        return None
    cls = bridge.spawner_host.cls
    return {"class": f"{cls.__module__}.{cls.__name__}", "options_form": bridge.spawner_host.has_form,
            "calls": ["start", "progress", "progress_stream", "poll", "wait", "stop", "log", "options_form",
                      "options_from_form"]}


class _SpawnerHandler(PluginHandler):
    def prepare(self):
        super().prepare()
        if self.bridge.spawner_host is None:
            raise web.HTTPError(404, reason="this bridge hosts no spawner (set c.Bridge.spawner_class)")
        self.spawners = self.bridge.spawner_host


class StartHandler(_SpawnerHandler):
    def post(self):
        body = self.body()
        self.spawners.start(body)
        self.answer({"spawn_id": body["spawn_id"]})


class ProgressHandler(_SpawnerHandler):
    gone = False

    def on_connection_close(self):
        self.gone = True

    async def post(self):
        body = self.body()
        if not body.get("stream"):
            self.answer(await self.spawners.progress(body))
            return
        # One call for the whole start (1.3): JSON lines, each flushed as it comes.
        answers = self.spawners.follow(body)
        self.set_header("Content-Type", "application/x-ndjson")
        async for answer in answers:
            if self.gone:
                return
            self.write(json.dumps(answer) + "\n")
            try:
                await self.flush()
            except iostream.StreamClosedError:
                return
        self.finish()


class PollHandler(_SpawnerHandler):
    async def post(self):
        states = self.body().get("servers")
        if not isinstance(states, list):
            raise BadRequest("servers must be a list of states")
        self.answer({"statuses": list(await asyncio.gather(*(self.spawners.poll_one(s) for s in states)))})


class WaitHandler(_SpawnerHandler):
    gone = False

    def on_connection_close(self):
        self.gone = True  # the hub saw the server answer (or gave up): stop polling for it

    async def post(self):
        status = await self.spawners.wait(self.body(), lambda: self.gone)
        if not self.gone:
            self.answer({"status": status})


class StopHandler(_SpawnerHandler):
    async def post(self):
        await self.spawners.stop(self.body())
        self.answer({})


class LogHandler(_SpawnerHandler):
    def post(self):
        # JupyterHub's Spawner has no log call: the bridge keeps a LocalProcessSpawner's output in a file per server.
        self.answer({"log": self.spawners.log(self.body())})


class OptionsFormHandler(_SpawnerHandler):
    async def post(self):
        self.answer(await self.spawners.options_form(self.body()))


class OptionsFromFormHandler(_SpawnerHandler):
    async def post(self):
        self.answer(await self.spawners.options_from_form(self.body()))


ROUTES.extend([
    (r"/v1/spawner/start", StartHandler),
    (r"/v1/spawner/progress", ProgressHandler),
    (r"/v1/spawner/poll", PollHandler),
    (r"/v1/spawner/wait", WaitHandler),
    (r"/v1/spawner/stop", StopHandler),
    (r"/v1/spawner/log", LogHandler),
    (r"/v1/spawner/options_form", OptionsFormHandler),
    (r"/v1/spawner/options_from_form", OptionsFromFormHandler),
])
HOSTS["spawner"] = _describe
