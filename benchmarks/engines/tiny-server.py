#!/usr/bin/python3
"""A stand-in single-user server for the poll benchmark: answers 200 "ok" to GET/HEAD on any path.

Started by the hub like jupyterhub-singleuser: listens on the host and port of JUPYTERHUB_SERVICE_URL
(http://HOST:PORT/user/NAME/). Arguments are ignored (e.g. an inherited --allow-root). Standard library only; one
thread, no logging, so 200 of them fit on a small machine (~10 MB RSS each). SIGTERM ends it at once.
"""
import http.server
import os
import urllib.parse


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "3")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(b"ok\n")

    do_HEAD = do_GET

    def log_message(self, *args):
        pass


url = urllib.parse.urlsplit(os.environ["JUPYTERHUB_SERVICE_URL"])
http.server.HTTPServer((url.hostname or "127.0.0.1", url.port), Handler).serve_forever()
