"""Greyhub's Dask scheduler preload: reports the scheduler to the hub.

Loaded by ``dask-scheduler --preload greyhub.scheduler_preload``; standard library and ``distributed`` only. At once
when something changed, else every ``GREYHUB_HEARTBEAT_PERIOD`` seconds, it POSTs to ``{GREYHUB_CLUSTER_API_URL}/clusters/{name}/heartbeat`` (with the
cluster's own token): its TLS address, the workers it sees, the connected clients, how long it has run no task, its
adaptive target and the Python, dask and distributed versions. The hub decides everything else (workers to start or
retire, idle and abandoned clusters) from these reports.
"""

import asyncio
import json
import logging
import os
import platform
import time
import urllib.parse
from http.client import HTTPConnection, HTTPException, HTTPSConnection

import dask
import distributed
from distributed.diagnostics.plugin import SchedulerPlugin

logger = logging.getLogger("greyhub.scheduler_preload")

# A lower adaptive target is reported only after this many consecutive periods suggest it (hysteresis: a short lull
# between two steps of a pipeline does not retire workers holding its data).
SHRINK_AFTER = 3


class ClientWatch(SchedulerPlugin):
    """Remembers that a client connected, even one that came and went between two reports."""

    name = "greyhub-client-watch"

    def __init__(self):
        self.had_client = False

    def add_client(self, scheduler, client):
        if client != "fire-and-forget":
            self.had_client = True


class Reporter:
    def __init__(self, scheduler):
        self.scheduler = scheduler
        self.name = os.environ["GREYHUB_CLUSTER_NAME"]
        self.url = os.environ["GREYHUB_CLUSTER_API_URL"].rstrip("/") + "/clusters/" + self.name + "/heartbeat"
        self.token = os.environ["GREYHUB_CLUSTER_TOKEN"]
        self.period = float(os.environ.get("GREYHUB_HEARTBEAT_PERIOD", "5"))
        self.adaptive_period = float(os.environ.get("GREYHUB_ADAPTIVE_PERIOD", "3"))
        self.last_busy = time.monotonic()
        self.watch = ClientWatch()
        scheduler.add_plugin(self.watch)
        self.target = None
        self.lower_count = 0
        self.versions = {
            "python": platform.python_version(),
            "dask": dask.__version__,
            "distributed": distributed.__version__,
        }

    def busy(self):
        s = self.scheduler
        if any(ws.processing for ws in s.workers.values()):
            return True
        if getattr(s, "unrunnable", None) or getattr(s, "queued", None):
            return True
        return any(ts.state in ("processing", "no-worker", "queued", "waiting") for ts in s.tasks.values())

    def adapt(self):
        try:
            target = int(self.scheduler.adaptive_target())
        except Exception:  # noqa: BLE001 - the report goes on without a target
            logger.exception("adaptive_target failed")
            return
        if self.target is None or target >= self.target:
            self.target = target
            self.lower_count = 0
        else:
            self.lower_count += 1
            if self.lower_count >= SHRINK_AFTER:
                self.target = target
                self.lower_count = 0

    def report(self):
        s = self.scheduler
        now = time.monotonic()
        if self.busy():
            self.last_busy = now
        dashboard = None
        if "dashboard" in s.services:
            host = s.address.split("://", 1)[-1].rsplit(":", 1)[0]
            dashboard = "http://%s:%d" % (host, s.services["dashboard"].port)
        return {
            "scheduler_address": s.address,
            "dashboard_address": dashboard,
            "count": self.target,
            "active_workers": [str(ws.name) for ws in s.workers.values()],
            "closed_workers": [],
            "n_clients": len([c for c in s.clients if c != "fire-and-forget"]),
            "had_client": self.watch.had_client,
            "idle_seconds": now - self.last_busy,
            "versions": self.versions,
        }

    def post(self, body):
        # http.client, which distributed (through tornado) has loaded already: urllib.request would add its import to
        # every scheduler's start, before its first report.
        url = urllib.parse.urlsplit(self.url)
        connection = (HTTPSConnection if url.scheme == "https" else HTTPConnection)(url.netloc, timeout=10)
        try:
            connection.request("POST", url.path, body=json.dumps(body).encode(), headers={
                "Authorization": "greyhub-cluster " + self.token, "Content-Type": "application/json"})
            response = connection.getresponse()
            response.read()
            if response.status >= 400:
                raise HTTPException("HTTP %d %s" % (response.status, response.reason))
        finally:
            connection.close()

    async def run(self):
        loop = asyncio.get_running_loop()
        next_adapt = 0.0
        next_post = 0.0
        last = None
        first = True
        # Looks often (cheap, in this process) and reports a change at once (its address, a worker come or gone, a new
        # adaptive target, a client), and otherwise once a heartbeat period: each report is a request and a database
        # write on the hub.
        tick = min(self.period, self.adaptive_period, 1.0)
        while True:
            now = time.monotonic()
            if now >= next_adapt:
                self.adapt()
                next_adapt = now + self.adaptive_period
            body = self.report()
            news = {k: v for k, v in body.items() if k != "idle_seconds"}
            if news != last or now >= next_post:
                # Failed or not, the next report is due a period later, or at the next change.
                last, next_post = news, now + self.period
                try:
                    sent = time.time()
                    await loop.run_in_executor(None, self.post, body)
                    if first:
                        # On the scheduler's own timeline (its events), when the hub learnt its address: the hub launches
                        # the workers asked for so far while answering this report (benchmarks/clusters reads it).
                        first = False
                        self.scheduler.log_event("greyhub", {"action": "first-report", "sent": sent, "answered": time.time()})
                except (HTTPException, OSError) as e:
                    # The hub may be restarting: the scheduler keeps running and reports again next period.
                    logger.warning("Heartbeat to the hub failed: %s", e)
                except Exception:  # noqa: BLE001
                    logger.exception("Heartbeat failed")
            await asyncio.sleep(tick)


def dask_setup(scheduler):
    reporter = Reporter(scheduler)
    scheduler.greyhub_reporter = reporter
    scheduler.greyhub_task = asyncio.ensure_future(reporter.run())
