#!/usr/bin/python3
"""Start-up time: process start -> first 200 on an authenticated API call, Greyhub vs Debian's JupyterHub 3.0.

For each user count, each hub gets a database seeded with that many users (crowd1..crowdN) straight in SQL or
through JupyterHub's ORM (never N API calls), then is started and timed from the moment its process is created
until GET /hub/api/users/crowd1 (an admin token, through the hub's public port) answers 200.

  Greyhub      `greyhub token` creates the schema and an admin token; the users are inserted with one
               INSERT ... SELECT over a recursive row generator (sqlite3 for SQLite, psql for PostgreSQL);
               optionally (--dead-servers K) the first K users get a server marked running with no process
               behind it, which the hub re-adopts in the background (it is timed until all K are stopped too).
  JupyterHub   its ORM creates the SQLite database and inserts the users; the hub is started once (it assigns
               each new user the default role, a one-time cost, reported as "first start") and stopped, then
               started again: the restart is the figure comparable to Greyhub's.

Usage: startup.py --greyhub-dll PATH [--users 5000,50000] [--hubs greyhub-sqlite,greyhub-postgres,jupyterhub]
                  [--dead-servers 1000] [--keep]
PostgreSQL: GREYHUB_BENCH_POSTGRES (or GREYHUB_TEST_POSTGRES, as scripts/postgres-local.sh env prints) is a
superuser's connection string (Host=..;Port=..;Username=..;Password=..); each run creates its own database and
drops it. Stdlib only; starts and stops only its own processes, by PID.
"""
import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

JUPYTERHUB_PYTHON = "/usr/bin/python3"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, token, timeout=5):
    req = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except (urllib.error.URLError, OSError):
        return 0, b""


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    """User + system CPU of a process so far (its children not included)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS
    except OSError:
        return 0.0


def until_200(url, token, proc, t0, limit):
    """Polls every 10 ms; returns seconds since t0 at the first 200."""
    while True:
        if proc.poll() is not None:
            sys.exit(f"hub exited early with {proc.returncode}")
        status, _ = get(url, token)
        if status == 200:
            return time.monotonic() - t0
        if time.monotonic() - t0 > limit:
            return None
        time.sleep(0.01)


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# ---------- Greyhub ----------

SEED_USERS = """WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n})
INSERT INTO "users" ("Name", "Admin", "Created") SELECT 'crowd' || i, FALSE, (SELECT "Created" FROM "users" WHERE "Name" = 'bench-admin') FROM n;"""

SEED_SERVERS = """INSERT INTO "servers" ("UserId", "Name", "Phase", "Url", "Started", "UserOptions", "State")
SELECT "Id", '', 'running', 'http://127.0.0.1:9/', "Created", '{{}}', '{{}}' FROM "users" WHERE "Name" LIKE 'crowd%' ORDER BY "Id" LIMIT {k};"""

COUNT_STOPPED = """SELECT count(*) FROM "servers" WHERE "Phase" = 'stopped' AND "StopReason" IS NOT NULL;"""


def pg_settings():
    raw = os.environ.get("GREYHUB_BENCH_POSTGRES") or os.environ.get("GREYHUB_TEST_POSTGRES")
    if not raw:
        sys.exit("greyhub-postgres needs GREYHUB_BENCH_POSTGRES (or GREYHUB_TEST_POSTGRES): "
                 "bash scripts/postgres-local.sh start && eval \"$(bash scripts/postgres-local.sh env)\"")
    parts = dict(p.split("=", 1) for p in raw.split(";") if "=" in p)
    return raw.rstrip(";"), {k.lower(): v for k, v in parts.items()}


def psql(pg, database, sql):
    env = dict(os.environ, PGHOST=pg.get("host", "127.0.0.1"), PGPORT=pg.get("port", "5432"),
               PGUSER=pg.get("username", "postgres"), PGPASSWORD=pg.get("password", ""), PGDATABASE=database)
    out = subprocess.run(["psql", "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-c", sql], env=env,
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


class GreyhubDb:
    def __init__(self, provider, data, tag):
        self.provider = provider
        self.data = data
        self.env = {}
        if provider == "postgres":
            raw, self.pg = pg_settings()
            self.database = f"greyhub_startup_{tag}_{secrets.token_hex(4)}"
            self.env = {"Greyhub__Database__Provider": "postgres",
                        "Greyhub__Database__ConnectionString": f"{raw};Database={self.database}"}

    def sql(self, text):
        if self.provider == "postgres":
            return psql(self.pg, self.database, text)
        with sqlite3.connect(os.path.join(self.data, "greyhub.sqlite")) as db:
            rows = db.execute(text).fetchall()
            return str(rows[0][0]) if rows else ""

    def drop(self):
        if self.provider == "postgres":
            psql(self.pg, "postgres", f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


def run_greyhub(dll, provider, n, dead, tmp):
    data = os.path.join(tmp, f"greyhub-{provider}-{n}-{dead}")
    db = GreyhubDb(provider, data, f"{n}_{dead}")
    env = dict(os.environ, **db.env)
    try:
        token = subprocess.run(["dotnet", dll, "token", "--admin", "--data-dir", data, "bench-admin"], env=env, check=True,
                               capture_output=True, text=True).stdout.strip().splitlines()[-1].strip()
        t = time.monotonic()
        db.sql(SEED_USERS.format(n=n))
        if dead:
            db.sql(SEED_SERVERS.format(k=dead))
        seeded = time.monotonic() - t
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = open(os.path.join(tmp, f"greyhub-{provider}-{n}-{dead}.log"), "w")
        t0 = time.monotonic()
        proc = subprocess.Popen(["dotnet", dll, "serve", "--urls", base, "--data-dir", data], env=env, stdout=log, stderr=log)
        try:
            first = until_200(f"{base}/hub/api/users/crowd1", token, proc, t0, 900)
            cpu = cpu_seconds(proc.pid)
            settled = None
            if dead and first is not None:
                while int(db.sql(COUNT_STOPPED) or 0) < dead and time.monotonic() - t0 < 900:
                    time.sleep(0.05)
                settled = time.monotonic() - t0
            return {"first_200_s": first, "cpu_s": cpu, "seed_s": round(seeded, 1), "dead_settled_s": settled}
        finally:
            stop(proc)
            log.close()
    finally:
        db.drop()


# ---------- JupyterHub ----------

JH_SEED = r"""
import sys, uuid, datetime
from jupyterhub import orm
db = orm.new_session_factory(sys.argv[1])()
n = int(sys.argv[2])
now = datetime.datetime.utcnow()
table = orm.User.__table__
for start in range(1, n + 1, 5000):
    db.execute(table.insert(), [{"name": f"crowd{i}", "admin": False, "created": now, "cookie_id": uuid.uuid4().hex}
                                for i in range(start, min(n, start + 4999) + 1)])
db.commit()
print(db.query(orm.User).count())
"""


def run_jupyterhub(n, tmp):
    d = os.path.join(tmp, f"jupyterhub-{n}")
    os.makedirs(d)
    db_url = f"sqlite:///{d}/jupyterhub.sqlite"
    t = time.monotonic()
    count = subprocess.run([JUPYTERHUB_PYTHON, "-c", JH_SEED, db_url, str(n)], check=True, capture_output=True, text=True).stdout.strip()
    if int(count) != n:
        sys.exit(f"JupyterHub seeding made {count} users, not {n}")
    seeded = time.monotonic() - t
    pub, hubp, chpapi = free_port(), free_port(), free_port()
    svc = secrets.token_hex(24)
    with open(os.path.join(d, "jupyterhub_config.py"), "w") as f:
        f.write(f"""import os
c.JupyterHub.ip = '127.0.0.1'
c.JupyterHub.port = {pub}
c.JupyterHub.hub_ip = '127.0.0.1'
c.JupyterHub.hub_port = {hubp}
c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:{chpapi}'
c.ConfigurableHTTPProxy.pid_file = '{d}/proxy.pid'
c.JupyterHub.authenticator_class = 'jupyterhub.auth.DummyAuthenticator'
c.JupyterHub.db_url = '{db_url}'
c.JupyterHub.cookie_secret_file = '{d}/cookie_secret'
c.JupyterHub.pid_file = '{d}/jupyterhub.pid'
c.JupyterHub.services = [{{'name': 'bench', 'api_token': os.environ['BENCH_TOKEN']}}]
c.JupyterHub.load_roles = [{{'name': 'admin', 'services': ['bench']}}]
""")
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8", "HOME": d, "NODE_PATH": "/usr/share/nodejs",
           "CONFIGPROXY_AUTH_TOKEN": secrets.token_hex(24), "BENCH_TOKEN": svc}
    times, cpus = [], []
    for run in ("first", "restart"):
        log = open(os.path.join(d, f"jupyterhub-{run}.log"), "w")
        t0 = time.monotonic()
        proc = subprocess.Popen([JUPYTERHUB_PYTHON, "-m", "jupyterhub", "-f", os.path.join(d, "jupyterhub_config.py")],
                                cwd=d, env=env, stdout=log, stderr=log)
        try:
            times.append(until_200(f"http://127.0.0.1:{pub}/hub/api/users/crowd1", svc, proc, t0, 900))
            cpus.append(cpu_seconds(proc.pid))
        finally:
            stop(proc)
            log.close()
    return {"first_start_s": times[0], "first_cpu_s": cpus[0], "first_200_s": times[1], "cpu_s": cpus[1], "seed_s": round(seeded, 1)}


def fmt(v):
    return "—" if v is None else f"{v:.2f}"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--greyhub-dll", required=True)
    p.add_argument("--users", default="5000,50000")
    p.add_argument("--hubs", default="greyhub-sqlite,greyhub-postgres,jupyterhub")
    p.add_argument("--dead-servers", type=int, default=1000, help="also time Greyhub with this many dead 'running' servers (0: skip)")
    p.add_argument("--keep", action="store_true", help="keep the temp folder (logs)")
    a = p.parse_args()
    tmp = tempfile.mkdtemp(prefix="startup-bench-")
    rows = []
    try:
        for n in [int(x) for x in a.users.split(",")]:
            for hub in a.hubs.split(","):
                if hub == "jupyterhub":
                    r = run_jupyterhub(n, tmp)
                    rows.append(("JupyterHub 3.0 (SQLite), restart", n, 0, r["first_200_s"], r["cpu_s"], None, r["seed_s"]))
                    rows.append(("JupyterHub 3.0 (SQLite), first start after seeding", n, 0, r["first_start_s"], r["first_cpu_s"], None, r["seed_s"]))
                else:
                    provider = hub.split("-", 1)[1]
                    r = run_greyhub(a.greyhub_dll, provider, n, 0, tmp)
                    rows.append((f"Greyhub ({provider})", n, 0, r["first_200_s"], r["cpu_s"], None, r["seed_s"]))
                    if a.dead_servers:
                        r = run_greyhub(a.greyhub_dll, provider, n, a.dead_servers, tmp)
                        rows.append((f"Greyhub ({provider})", n, a.dead_servers, r["first_200_s"], r["cpu_s"], r["dead_settled_s"], r["seed_s"]))
                print(f"# {rows[-1]}", file=sys.stderr, flush=True)
    finally:
        if a.keep:
            print(f"# logs in {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"# load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", file=sys.stderr)
    print("| hub | users | dead 'running' servers | s to first 200 (GET /hub/api/users/crowd1) | hub CPU s until then | s until all dead servers stopped | seeding s |")
    print("|---|---|---|---|---|---|---|")
    for hub, n, dead, first, cpu, settled, seed in rows:
        print(f"| {hub} | {n:,} | {dead or '—'} | {fmt(first)} | {fmt(cpu)} | {fmt(settled)} | {seed} |")


if __name__ == "__main__":
    main()
