#!/usr/bin/env python3
"""The reference Greyhub compute-engine plug-in: jobs are local processes.

A template to copy. It speaks the grey plug protocol, version 1 (docs/plugins.md,
docs/plugins/openapi.yaml), with Python's standard library only. To plug in your
own platform, keep the HTTP part and replace the functions of ``LocalJobs``
(launch, status, stop, log, and the optional find) with calls to your scheduler.

Rules every engine keeps (the conformance kit checks them):
  * a job sees only the environment it is given;
  * a job outlives the plug-in: after a restart, the plug-in finds it again from the
    opaque ``state`` string it returned at launch (the hub stores it and sends it back);
  * a launch with an ``idempotency_key`` already seen returns the same job;
  * a job launched with a ``spec.key`` is found again by it (``find``, protocol 1.2, optional: a
    plug-in without it leaves ``find`` out of its handshake's ``engine_calls``);
  * stopping an ended job is not an error; status of many jobs comes in one call.

Configuration (the hub sets these when it starts the plug-in itself):
  GREYHUB_PLUGIN_HOST, GREYHUB_PLUGIN_PORT   where to listen (default 127.0.0.1:9300)
  GREYHUB_PLUGIN_SECRET                      the shared secret (Bearer); required
  GREYHUB_ENGINE_JOBS                        folder for job logs and launch keys
"""

import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PROTOCOLS = [1]
ENGINE = "python-local"
# The optional calls this engine serves (1.2: find a job by the key it was launched with).
ENGINE_CALLS = ["launch", "status", "stop", "log", "find"]
MAX_BODY = 16 * 1024 * 1024
# The job's output goes to its log through the shell, and its exit code to a file, so
# neither depends on this plug-in still running when the job ends.
WRAPPER = 'log="$1"; code="$2"; shift 2; "$@" >>"$log" 2>&1 </dev/null; echo $? >"$code"'


class BadRequest(Exception):
    """The hub sent something this plug-in cannot act on (answered 400)."""


def _start_ticks(pid):
    """The process's start time in clock ticks (/proc/<pid>/stat field 22), or None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read().decode()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    if fields[0] == "Z":
        return None  # ended, not yet reaped
    return int(fields[19])


def _valid_job_key(key):
    return isinstance(key, str) and 0 < len(key) <= 64 and all(c.isascii() and (c.isalnum() or c in "-_") for c in key)


def _free_port(host):
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class LocalJobs:
    """The engine proper: replace these methods to run jobs elsewhere."""

    def __init__(self, folder, host="127.0.0.1"):
        self.folder = folder
        self.host = host
        self.children = {}  # pid -> Popen, so ended children are reaped
        self.launch_lock = threading.Lock()
        os.makedirs(os.path.join(folder, "keys"), exist_ok=True)
        os.makedirs(os.path.join(folder, "jobkeys"), exist_ok=True)

    def launch(self, key, spec):
        """Starts a job; returns (id, state). The same key returns the same job."""
        if not isinstance(spec.get("command"), list) or not spec["command"]:
            raise BadRequest("spec.command must be a non-empty list")
        if key is not None and (not isinstance(key, str) or not key.isalnum() or len(key) > 100):
            raise BadRequest("idempotency_key must be letters and digits")
        job_key = spec.get("key")
        if job_key is not None and not _valid_job_key(job_key):
            raise BadRequest("spec.key must be letters, digits, - and _ (at most 64)")
        with self.launch_lock:
            seen = key and os.path.join(self.folder, "keys", key + ".json")
            if seen and os.path.exists(seen):
                with open(seen) as f:
                    job = json.load(f)
                return job["id"], job["state"]
            name = "".join(c if c.isalnum() or c in "-_" else "_" for c in str(spec.get("name", "job")))[:100]
            base = os.path.join(self.folder, f"{name}-{uuid.uuid4().hex}")
            log, code = base + ".log", base + ".exit"
            open(log, "w").close()
            env = {str(k): str(v) for k, v in (spec.get("environment") or {}).items()}
            env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
            port = None
            if spec.get("host_variable"):
                env[spec["host_variable"]] = self.host
            if spec.get("port_variable"):
                port = _free_port(self.host)
                env[spec["port_variable"]] = str(port)
            cwd = spec.get("working_directory") or self.folder
            os.makedirs(cwd, exist_ok=True)
            # Its own session: the job is not ended with the plug-in, and a stop signals its whole group.
            child = subprocess.Popen(["/bin/sh", "-c", WRAPPER, "sh", log, code] + [str(a) for a in spec["command"]],
                                     env=env, cwd=cwd, start_new_session=True,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.children[child.pid] = child
            state = json.dumps({"pid": child.pid, "start_ticks": _start_ticks(child.pid), "port": port,
                                "log": log, "exit": code})
            for path in (seen, job_key and os.path.join(self.folder, "jobkeys", job_key + ".json")):
                if path:
                    with open(path, "w") as f:
                        json.dump({"id": str(child.pid), "state": state}, f)
            return str(child.pid), state

    def find(self, job_key):
        """The job launched with ``spec.key`` == job_key, as (id, state), or None. A scheduler would ask for the job
        labelled with the key; this engine wrote it down at launch."""
        if not _valid_job_key(job_key):
            raise BadRequest("key must be letters, digits, - and _ (at most 64)")
        try:
            with open(os.path.join(self.folder, "jobkeys", job_key + ".json")) as f:
                job = json.load(f)
        except FileNotFoundError:
            return None
        return job["id"], job["state"]

    def _parse(self, job):
        try:
            state = json.loads(job["state"])
            return state if isinstance(state, dict) and isinstance(state.get("pid"), int) else None
        except (KeyError, TypeError, ValueError):
            return None

    def _alive(self, state):
        child = self.children.get(state["pid"])
        if child is not None and child.poll() is not None:
            return False
        ticks = _start_ticks(state["pid"])
        return ticks is not None and ticks == state.get("start_ticks")

    def status(self, job):
        state = self._parse(job)
        if state is None:
            return {"phase": "exited", "reason": "not a job of this engine"}
        if self._alive(state):
            return {"phase": "running", "host": self.host, "port": state.get("port")}
        try:
            with open(state["exit"]) as f:
                code = int(f.read().strip())
            return {"phase": "exited", "exit_code": code, "reason": f"exited with code {code}"}
        except (OSError, ValueError, KeyError):
            return {"phase": "exited", "reason": "the process ended"}

    def stop(self, job, grace):
        state = self._parse(job)
        if state is None or not self._alive(state):
            return
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10.0)):
            try:
                os.killpg(state["pid"], sig)
            except ProcessLookupError:
                return
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline:
                if not self._alive(state):
                    return
                time.sleep(0.05)

    def log(self, job, max_bytes):
        state = self._parse(job)
        if state is None:
            return ""
        try:
            with open(state["log"], "rb") as f:
                f.seek(0, os.SEEK_END)
                size = f.tell()
                f.seek(max(0, size - max_bytes))
                return f.read().decode("utf-8", "replace")
        except (OSError, KeyError):
            return ""


class Handler(BaseHTTPRequestHandler):
    """The protocol's HTTP side: check the secret, parse JSON, call the engine, answer JSON."""

    protocol_version = "HTTP/1.1"
    jobs: LocalJobs = None
    secret: bytes = b""

    def setup(self):
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle's algorithm and the client's delayed ACK
        # hold every keep-alive answer back by ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format, *args):
        sys.stderr.write("%s %s\n" % (self.log_date_time_string(), format % args))

    def _answer(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _authorized(self):
        header = self.headers.get("Authorization", "")
        given = header[len("Bearer "):].encode() if header.startswith("Bearer ") else b""
        # Constant time: the answer's timing says nothing about how much of the secret matched.
        if not hmac.compare_digest(given, self.secret):
            self._answer(401, {"error": "wrong or missing secret"})
            return False
        return True

    def do_GET(self):
        if not self._authorized():
            return
        if self.path == "/v1/handshake":
            self._answer(200, {"protocols": PROTOCOLS, "engine": ENGINE, "runs_locally": True, "engine_calls": ENGINE_CALLS})
        else:
            self._answer(404, {"error": f"no such call: GET {self.path}"})

    def do_POST(self):
        if not self._authorized():
            return
        try:
            length = int(self.headers.get("Content-Length", "0"))
            if length < 0 or length > MAX_BODY:
                raise BadRequest("body too large")
            body = json.loads(self.rfile.read(length) or b"{}")
            if not isinstance(body, dict):
                raise BadRequest("the body must be a JSON object")
            if self.path == "/v1/jobs/launch":
                job_id, state = self.jobs.launch(body.get("idempotency_key"), body.get("spec") or {})
                self._answer(200, {"id": job_id, "state": state})
            elif self.path == "/v1/jobs/status":
                self._answer(200, {"statuses": [self.jobs.status(j) for j in body.get("jobs") or []]})
            elif self.path == "/v1/jobs/find":
                found = self.jobs.find(body.get("key"))
                self._answer(200, {"job": found and {"id": found[0], "state": found[1]}})
            elif self.path == "/v1/jobs/stop":
                self.jobs.stop(body["job"], float(body.get("grace_seconds", 10)))
                self._answer(200, {})
            elif self.path == "/v1/jobs/log":
                self._answer(200, {"log": self.jobs.log(body["job"], int(body.get("max_bytes", 65536)))})
            else:
                self._answer(404, {"error": f"no such call: POST {self.path}"})
        except (BadRequest, ValueError, KeyError, TypeError) as e:
            self._answer(400, {"error": f"bad request: {e}"})
        except OSError as e:
            self._answer(500, {"error": f"the engine failed: {e}"})


def main():
    secret = os.environ.get("GREYHUB_PLUGIN_SECRET", "")
    if not secret:
        sys.exit("GREYHUB_PLUGIN_SECRET must be set (the secret the hub sends as Bearer)")
    host = os.environ.get("GREYHUB_PLUGIN_HOST", "127.0.0.1")
    port = int(os.environ.get("GREYHUB_PLUGIN_PORT", "9300"))
    folder = os.environ.get("GREYHUB_ENGINE_JOBS") or os.path.join("/tmp", f"greyhub-engine-{os.getuid()}")
    Handler.jobs = LocalJobs(folder)
    Handler.secret = secret.encode()
    # Children that end are reaped by Popen.poll(); none are waited for by the server threads.
    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    sys.stderr.write(f"{ENGINE} engine listening on http://{host}:{port}/ (jobs in {folder})\n")
    server.serve_forever()


if __name__ == "__main__":
    main()
