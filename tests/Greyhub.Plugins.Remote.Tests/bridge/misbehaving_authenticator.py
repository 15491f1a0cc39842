"""An authenticator plug-in (protocol 1, standard library only) that misbehaves on demand, for the hub's tests.

Started by the hub as a managed plug-in (GREYHUB_PLUGIN_PORT, GREYHUB_PLUGIN_SECRET). The user name picks the
misbehaviour, so one plug-in serves every case:

  crash        the process exits in the middle of the sign-in, before it answers
  malformed    200 with a body that is not JSON
  wrongshape   200 with JSON of the wrong shape ("user" is a string)
  slow         answers after MISBEHAVING_SLOW_SECONDS (default 60), long past the hub's timeout
  anyone else  a password check: NAME-pass is NAME's password
pre_spawn_start answers no environment; nothing else is served.

The accepted secret is GREYHUB_PLUGIN_SECRET, unless the file MISBEHAVING_SECRET_FILE exists: then it is that file's
text, as after an operator changed the plug-in's secret and not the hub's.
MISBEHAVING_HANDSHAKE=garbage makes the handshake itself answer something that is not JSON.
"""

import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def accepted_secret():
    path = os.environ.get("MISBEHAVING_SECRET_FILE", "")
    if path and os.path.exists(path):
        with open(path) as f:
            return f.read().strip()
    return os.environ["GREYHUB_PLUGIN_SECRET"]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        sys.stderr.write("misbehaving: " + (format % args) + "\n")

    def send(self, status, body, content_type="application/json"):
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def authorized(self):
        if self.headers.get("Authorization") != "Bearer " + accepted_secret():
            self.send(401, {"error": "wrong secret"})
            return False
        return True

    def do_GET(self):
        if not self.authorized():
            return
        if self.path != "/v1/handshake":
            self.send(404, {"error": "no such call"})
        elif os.environ.get("MISBEHAVING_HANDSHAKE") == "garbage":
            self.send(200, "<html>this is not the protocol</html>", "text/html")
        else:
            self.send(200, {"protocols": [1], "engine": None,
                            "hosts": {"authenticator": {"class": "misbehaving_authenticator", "calls": ["authenticate"]}}})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length) or b"{}")
        if not self.authorized():
            return
        if self.path == "/v1/authenticator/pre_spawn_start":
            self.send(200, {"environment": {}})
            return
        if self.path != "/v1/authenticator/authenticate":
            self.send(404, {"error": "no such call"})
            return
        data = body.get("data") or {}
        name = data.get("username", "")
        if name == "crash":
            sys.stderr.write("misbehaving: crashing in the middle of a sign-in\n")
            sys.stderr.flush()
            os._exit(70)
        if name == "malformed":
            self.send(200, "<html><body>Internal proxy error</body></html>", "text/html")
        elif name == "wrongshape":
            self.send(200, {"user": name})
        elif name == "slow":
            time.sleep(float(os.environ.get("MISBEHAVING_SLOW_SECONDS", "60")))
            self.send(200, {"user": None})
        elif name and data.get("password") == name + "-pass":
            self.send(200, {"user": {"name": name, "admin": False, "groups": None, "auth_state": None}})
        else:
            self.send(200, {"user": None})


def main():
    server = ThreadingHTTPServer((os.environ.get("GREYHUB_PLUGIN_HOST", "127.0.0.1"), int(os.environ["GREYHUB_PLUGIN_PORT"])), Handler)
    # A slow sign-in's thread must not keep the process alive when the hub ends it.
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
