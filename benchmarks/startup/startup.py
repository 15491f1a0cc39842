#!/usr/bin/python3
"""Start-up time: process start -> first 200 on an authenticated API call, Greyhub vs Debian's JupyterHub 3.0.

For each user count, each hub gets a database seeded with that many users (crowd1..crowdN) straight in SQL or
through JupyterHub's ORM (never N API calls), then is started and timed from the moment its process is created
until GET /hub/api/users/crowd1 (an admin token, through the hub's public port) answers 200.

  Greyhub      `greyhub token` creates the schema and an admin token; the users are inserted with one
               INSERT ... SELECT over a recursive row generator (sqlite3 for SQLite, psql for PostgreSQL);
               optionally (--dead-servers K) the first K users get a server marked running with no process
               behind it, which the hub re-adopts in the background (it is timed until all K are stopped too).
  JupyterHub   a first start on an empty SQLite database creates its tables and roles; then its ORM inserts the
               users, each with the default 'user' role (as users created through its API have), and the
               timed start is a restart of a hub that has them.

Usage: startup.py --greyhub-dll PATH [--users 5000,50000] [--hubs greyhub-sqlite,greyhub-postgres,jupyterhub]
                  [--dead-servers 1000] [--runs 1] [--env NAME=VALUE ...] [--keep]
PATH is greyhub.dll (the build, run with dotnet) or the published greyhub executable (ReadyToRun, scripts/publish.sh).
PostgreSQL: GREYHUB_BENCH_POSTGRES (or GREYHUB_TEST_POSTGRES, as scripts/postgres-local.sh env prints) is a
superuser's connection string (Host=..;Port=..;Username=..;Password=..); each run creates its own database and
drops it. Stdlib only; starts and stops only its own processes, by PID.
"""
import argparse
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from hubproc import cpu_seconds, free_port, greyhub_command, jupyterhub_config, stop  # noqa: E402


def cpu_seconds_or_zero(pid):
    return cpu_seconds(pid, default=0.0)


JUPYTERHUB_PYTHON = "/usr/bin/python3"


def get(url, token, timeout=5):
    req = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()
    except (urllib.error.URLError, OSError):
        return 0, b""




def log_tail(path, lines=15):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""


def until_200(url, token, proc, t0, limit, log=None):
    """Polls every 10 ms; returns seconds since t0 at the first 200 (None after limit seconds)."""
    while True:
        if proc.poll() is not None:
            tail = f"; the end of its log ({log}):\n{log_tail(log)}" if log else ""
            raise RuntimeError(f"hub exited early with {proc.returncode}{tail}")
        status, _ = get(url, token)
        if status == 200:
            return time.monotonic() - t0
        if time.monotonic() - t0 > limit:
            return None
        time.sleep(0.01)


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


def run_greyhub(dll, provider, n, dead, tmp, extra_env, run):
    data = os.path.join(tmp, f"greyhub-{provider}-{n}-{dead}-{run}")
    db = GreyhubDb(provider, data, f"{n}_{dead}_{run}")
    env = dict(os.environ, **db.env, **extra_env)
    try:
        token = subprocess.run(greyhub_command(dll) + ["token", "--admin", "--data-dir", data, "bench-admin"], env=env, check=True,
                               capture_output=True, text=True).stdout.strip().splitlines()[-1].strip()
        t = time.monotonic()
        db.sql(SEED_USERS.format(n=n))
        if dead:
            db.sql(SEED_SERVERS.format(k=dead))
        seeded = time.monotonic() - t
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = open(os.path.join(tmp, f"greyhub-{provider}-{n}-{dead}-{run}.log"), "w")
        t0 = time.monotonic()
        proc = subprocess.Popen(greyhub_command(dll) + ["serve", "--urls", base, "--data-dir", data], env=env, stdout=log, stderr=log)
        try:
            first = until_200(f"{base}/hub/api/users/crowd1", token, proc, t0, 900, log.name)
            cpu = cpu_seconds_or_zero(proc.pid)
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
from sqlalchemy import text
from jupyterhub import orm

db = orm.new_session_factory(sys.argv[1])()
n = int(sys.argv[2])
now = datetime.datetime.utcnow()
table = orm.User.__table__
for start in range(1, n + 1, 5000):
    db.execute(table.insert(), [{"name": f"crowd{i}", "admin": False, "created": now, "cookie_id": uuid.uuid4().hex}
                                for i in range(start, min(n, start + 4999) + 1)])
# Each user holds the default 'user' role, as users created through JupyterHub's API do.
role = db.query(orm.Role).filter_by(name="user").one()
db.execute(text("INSERT INTO user_role_map (user_id, role_id) SELECT id, :role FROM users WHERE name LIKE 'crowd%'"), {"role": role.id})
db.commit()
print(db.query(orm.User).filter(orm.User.name.like("crowd%")).count())
"""


def free_ports(count):
    """Distinct free ports (free_port alone may hand out the same port twice once each socket is closed)."""
    ports = []
    while len(ports) < count:
        port = free_port()
        if port not in ports:
            ports.append(port)
    return ports


def wait_gone(pid_file, patience=30):
    """Waits for the process a pid file names (JupyterHub's configurable-http-proxy) to end, for at most `patience` s."""
    try:
        with open(pid_file) as f:
            pid = int(f.read().strip())
    except (OSError, ValueError):
        return
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        except PermissionError:
            return
        time.sleep(0.05)


def write_jupyterhub_config(d, db_url):
    """A configuration on ports free now: each start gets its own, so a restart never races the previous proxy's
    sockets (Node may still hold them just after JupyterHub's cleanup has returned)."""
    pub, hubp, chpapi = free_ports(3)
    with open(os.path.join(d, "jupyterhub_config.py"), "w") as f:
        f.write(jupyterhub_config(d, pub, hubp, chpapi, db_url))
    return pub


def run_jupyterhub(n, tmp):
    d = os.path.join(tmp, f"jupyterhub-{n}")
    os.makedirs(d)
    db_url = f"sqlite:///{d}/jupyterhub.sqlite"
    svc = secrets.token_hex(24)
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8", "HOME": d, "NODE_PATH": "/usr/share/nodejs",
           "CONFIGPROXY_AUTH_TOKEN": secrets.token_hex(24), "BENCH_TOKEN": svc}
    # A first start on the empty database creates JupyterHub's tables and roles; the users are added after it (with
    # their role), so the timed start is a restart of a hub that has them, as after an upgrade or a crash.
    seeded = None
    for run in ("empty", "timed"):
        if run == "timed":
            t = time.monotonic()
            count = subprocess.run([JUPYTERHUB_PYTHON, "-c", JH_SEED, db_url, str(n)], check=True, capture_output=True, text=True).stdout.strip()
            if int(count) != n:
                raise RuntimeError(f"JupyterHub seeding made {count} users, not {n}")
            seeded = time.monotonic() - t
        pub = write_jupyterhub_config(d, db_url)
        log_path = os.path.join(d, f"jupyterhub-{run}.log")
        log = open(log_path, "w")
        t0 = time.monotonic()
        proc = subprocess.Popen([JUPYTERHUB_PYTHON, "-m", "jupyterhub", "-f", os.path.join(d, "jupyterhub_config.py")],
                                cwd=d, env=env, stdout=log, stderr=log)
        try:
            url = f"http://127.0.0.1:{pub}/hub/api/" + ("users/crowd1" if run == "timed" else "")
            first = until_200(url, svc, proc, t0, 900, log_path)
            cpu = cpu_seconds_or_zero(proc.pid)
        finally:
            stop(proc)
            log.close()
            # JupyterHub's cleanup signals its proxy without waiting for it: the next start must not find it still there.
            wait_gone(os.path.join(d, "proxy.pid"))
    return {"first_200_s": first, "cpu_s": cpu, "seed_s": round(seeded, 1)}


def fmt(v):
    return "—" if v is None else f"{v:.2f}"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--greyhub-dll", required=True, help="greyhub.dll (run with dotnet) or the published greyhub executable")
    p.add_argument("--users", default="5000,50000")
    p.add_argument("--hubs", default="greyhub-sqlite,greyhub-postgres,jupyterhub")
    p.add_argument("--dead-servers", type=int, default=1000, help="also time Greyhub with this many dead 'running' servers (0: skip)")
    p.add_argument("--keep", action="store_true", help="keep the temp folder (logs)")
    p.add_argument("--runs", type=int, default=1, help="runs of each Greyhub configuration (each row is one run)")
    p.add_argument("--env", action="append", default=[], help="NAME=VALUE for Greyhub's environment (repeatable)")
    a = p.parse_args()
    extra = dict(e.split("=", 1) for e in a.env)
    tmp = tempfile.mkdtemp(prefix="startup-bench-")
    rows = []
    try:
        for n in [int(x) for x in a.users.split(",")]:
            for hub in a.hubs.split(","):
                runs = [("JupyterHub 3.0 (SQLite)", 0, lambda: run_jupyterhub(n, tmp))] if hub == "jupyterhub" else [
                    (f"Greyhub ({hub.split('-', 1)[1]})", dead, lambda dead=dead, run=run: run_greyhub(a.greyhub_dll, hub.split("-", 1)[1], n, dead, tmp, extra, run))
                    for dead in ([0, a.dead_servers] if a.dead_servers else [0]) for run in range(a.runs)]
                for name, dead, run in runs:
                    try:
                        r = run()
                        r["load"] = os.getloadavg()[0]
                        rows.append((name, n, dead, r["first_200_s"], r["cpu_s"], r.get("dead_settled_s"), r["seed_s"], r["load"]))
                    except (RuntimeError, subprocess.CalledProcessError) as e:
                        print(f"# {name}, {n} users: {e}", file=sys.stderr, flush=True)
                        rows.append((name, n, dead, None, None, None, None, os.getloadavg()[0]))
                    print(f"# {rows[-1]}", file=sys.stderr, flush=True)
    finally:
        if a.keep:
            print(f"# logs in {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"# load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs" + (f"; env {' '.join(a.env)}" if a.env else ""), file=sys.stderr)
    print("| hub | users | dead 'running' servers | s to first 200 (GET /hub/api/users/crowd1) | hub CPU s until then | s until all dead servers stopped | seeding s | load average |")
    print("|---|---|---|---|---|---|---|---|")
    for hub, n, dead, first, cpu, settled, seed, load in rows:
        print(f"| {hub} | {n:,} | {dead or '—'} | {fmt(first)} | {fmt(cpu)} | {fmt(settled)} | {seed} | {load:.0f} |")


if __name__ == "__main__":
    main()
