"""The bridge process: a traitlets Application reading a JupyterHub-style config file, serving the route table."""

import asyncio
import importlib
import os
import signal
import threading

from tornado import web
from traitlets import Unicode, Integer, Any, default
from traitlets.config import Application

from greyhub_bridge import routes
from greyhub_bridge.protocol import HandshakeHandler


class Bridge(Application):
    """Configured like JupyterHub: ``c.Bridge.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"`` and any
    ``c.LocalProcessSpawner.x = ...`` in the file given with ``-f``."""

    name = "greyhub-bridge"
    description = "Serves JupyterHub spawners and authenticators to a Greyhub hub"

    config_file = Unicode("greyhub_bridge_config.py", config=True, help="The config file to load")
    aliases = {"f": "Bridge.config_file", "config": "Bridge.config_file", "log-level": "Application.log_level"}

    spawner_class = Any(None, allow_none=True, config=True,
                        help="The Spawner class to host: a class or its import path (as JupyterHub's spawner_class).")
    authenticator_class = Any(None, allow_none=True, config=True,
                              help="The Authenticator class to host: a class or its import path.")
    ip = Unicode(config=True, help="Address to listen on (default: GREYHUB_PLUGIN_HOST or 127.0.0.1)")
    port = Integer(config=True, help="Port to listen on (default: GREYHUB_PLUGIN_PORT or 9310)")
    secret = Unicode(config=True, help="The shared secret (default: GREYHUB_PLUGIN_SECRET)")
    server_log_dir = Unicode(config=True, help="Where the output of servers a LocalProcessSpawner starts is written, one "
                             "file per server, for the hub's log tail (default: a private folder in the temp dir).")

    @default("server_log_dir")
    def _server_log_dir(self):
        import tempfile
        return os.path.join(tempfile.gettempdir(), f"greyhub-bridge-logs-{os.getuid()}")

    @default("ip")
    def _ip(self):
        return os.environ.get("GREYHUB_PLUGIN_HOST", "127.0.0.1")

    @default("port")
    def _port(self):
        return int(os.environ.get("GREYHUB_PLUGIN_PORT", "9310"))

    @default("secret")
    def _secret(self):
        return os.environ.get("GREYHUB_PLUGIN_SECRET", "")

    def initialize(self, argv=None):
        super().initialize(argv)
        if self.config_file and os.path.exists(self.config_file):
            self.load_config_file(self.config_file)
        elif self.config_file != Bridge.config_file.default_value:
            raise SystemExit(f"greyhub-bridge: config file {self.config_file} not found")
        if not self.secret:
            raise SystemExit("greyhub-bridge: no secret (set GREYHUB_PLUGIN_SECRET or c.Bridge.secret)")
        self.parts = [importlib.import_module(name) for name in routes.PARTS]
        for part in self.parts:
            setup = getattr(part, "setup", None)
            if setup is not None:
                setup(self)

    def load_class(self, value, what):
        """A class given as a class or an import path (``module.Class``)."""
        if value is None or isinstance(value, type):
            return value
        module, _, name = str(value).rpartition(".")
        if not module:
            raise SystemExit(f"greyhub-bridge: {what} '{value}' is not an import path (module.Class)")
        return getattr(importlib.import_module(module), name)

    def make_app(self):
        handlers = [(r"/v1/handshake", HandshakeHandler)] + list(routes.ROUTES)
        return web.Application([(p, h, {"bridge": self}) for p, h in handlers])

    async def serve(self):
        server = self.make_app().listen(self.port, address=self.ip, xheaders=False)
        self.log.info("greyhub-bridge listening on http://%s:%s/ hosting %s", self.ip, self.port,
                      ", ".join(f"{k}={v}" for k, v in self.hosted().items()) or "nothing")
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        # A managed bridge ends with its hub (even one killed with SIGKILL): hubwatch, started before anything slow,
        # sends the SIGTERM that sets `stop`.
        await stop.wait()
        server.stop()
        # Servers are not ours to stop: they outlive the bridge and the next one re-attaches them from their state.
        self.log.info("greyhub-bridge stopping; its servers keep running")
        # asyncio.run then cancels what is left and waits for the default executor: a hosted class's blocking call there
        # (a PAM check, a spawner's own thread) would keep this process alive, and a hub's next bridge beside it. The
        # bridge holds nothing to save (the hub stores every server's state), so it ends within seconds whatever is left.
        deadline = threading.Timer(5.0, os._exit, (0,))
        deadline.daemon = True
        deadline.start()

    def hosted(self):
        return {name: describe(self) for name, describe in routes.HOSTS.items() if describe(self) is not None}

    def start(self):
        asyncio.run(self.serve())


def _watching():
    return any(t.name == "greyhub-hub-watch" for t in threading.enumerate())


def main(argv=None):
    # Run as `-m greyhub_bridge` it is started already (before the imports); started twice is harmless.
    from greyhub_bridge import hubwatch
    if not _watching():
        hubwatch.start()
    bridge = Bridge.instance()
    bridge.initialize(argv)
    bridge.start()
