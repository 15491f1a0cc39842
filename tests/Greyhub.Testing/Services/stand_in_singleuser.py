"""A STAND-IN for jupyterhub-singleuser, for tests that start many servers (not the real thing).

It serves the part of the single-user contract a hub's start relies on, from the standard library only, in a few
megabytes and a few milliseconds: it binds where JUPYTERHUB_SERVICE_URL says, answers HTTP under
JUPYTERHUB_SERVICE_PREFIX (GET {prefix}api as jupyter-server's version endpoint; anything else with the user's name)
with the X-JupyterHub-Version header every jupyterhub-singleuser sends, and ends on SIGTERM.
"""
import http.server
import json
import os
import urllib.parse

url = urllib.parse.urlparse(os.environ["JUPYTERHUB_SERVICE_URL"])
prefix = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/")
user = os.environ.get("JUPYTERHUB_USER", "")


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path == prefix + "api":
            body, kind = json.dumps({"version": "2.0.0-stand-in"}).encode(), "application/json"
        elif path.startswith(prefix) or path == prefix.rstrip("/"):
            body, kind = user.encode(), "text/plain"
        else:
            body, kind = b"not under this server's prefix", "text/plain"
            self.send_response(404)
            self._finish(body, kind)
            return
        self.send_response(200)
        self._finish(body, kind)

    def _finish(self, body, kind):
        self.send_header("X-JupyterHub-Version", "5.4.3")
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


http.server.HTTPServer((url.hostname, url.port), Handler).serve_forever()
