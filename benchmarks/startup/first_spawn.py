#!/usr/bin/python3
"""First-spawn hub CPU: what a fresh hub's first server start costs the hub, JIT build vs ReadyToRun publish.

Each run starts a hub on a fresh data folder (SQLite) whose spawner runs the STAND-IN single-user command
(tests/Greyhub.Testing/Services/stand_in_singleuser.py, not jupyterhub-singleuser: its start costs the hub nothing
to speak of, so the figure is the hub's own), waits for the first 200 on GET /hub/api/, creates alice and bob through
the API, then starts alice's server
(POST /hub/api/users/alice/server) and polls her model until the server is ready; then bob's, the same way.
The hub's CPU (user + system, from /proc/PID/stat) is read at each step, so the table gives

  start-up CPU      process start -> first 200
  first spawn CPU   alice's POST -> her server ready (the first spawn of this hub: the code paths run for the first time)
  second spawn CPU  bob's POST -> his server ready (the same paths, compiled already)

Usage: first_spawn.py --greyhub PATH [--greyhub PATH2 ...] [--runs 3] [--keep]
PATH is greyhub.dll (run with `dotnet`, e.g. the Release build src/Greyhub.Host/bin/Release/net10.0/greyhub.dll) or
the published `greyhub` executable (scripts/publish.sh --keep-build, or an unpacked tarball). Extra environment for
the hub: NAME=VALUE after --env (repeatable), e.g. --env DOTNET_TieredPGO=0. Stdlib only; starts and stops only its
own processes, by PID.
"""
import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from hubproc import call, cpu_seconds, free_port, greyhub_command  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
STAND_IN = os.path.normpath(os.path.join(HERE, "..", "..", "tests", "Greyhub.Testing", "Services", "stand_in_singleuser.py"))



def spawn(base, token, user, proc, limit=300):
    """Starts USER's server; returns once the model says ready (polled every 10 ms)."""
    status, body = call("POST", f"{base}/hub/api/users/{user}/server", token)
    if status not in (201, 202):
        raise RuntimeError(f"POST {user}'s server: {status} {body[:200]!r}")
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"hub exited with {proc.returncode}")
        status, body = call("GET", f"{base}/hub/api/users/{user}", token)
        if status == 200 and json.loads(body).get("servers", {}).get("", {}).get("ready"):
            return
        time.sleep(0.01)
    raise RuntimeError(f"{user}'s server not ready after {limit} s")


def one_run(greyhub, extra_env, tmp, i):
    data = os.path.join(tmp, f"run{i}")
    env = dict(os.environ, **extra_env, Greyhub__Spawner__Command__0="/usr/bin/python3", Greyhub__Spawner__Command__1="-S",
               Greyhub__Spawner__Command__2=STAND_IN)
    token = subprocess.run(greyhub_command(greyhub) + ["token", "--admin", "--data-dir", data, "bench-admin"], env=env, check=True,
                           capture_output=True, text=True).stdout.strip().splitlines()[-1].strip()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with open(os.path.join(tmp, f"run{i}.log"), "w") as log:
        t0 = time.monotonic()
        proc = subprocess.Popen(greyhub_command(greyhub) + ["serve", "--urls", base, "--data-dir", data], env=env, stdout=log, stderr=log)
        try:
            while call("GET", f"{base}/hub/api/", token)[0] != 200:
                if proc.poll() is not None:
                    raise RuntimeError(f"hub exited early with {proc.returncode}")
                if time.monotonic() - t0 > 300:
                    raise RuntimeError("no answer in 300 s")
                time.sleep(0.01)
            started = cpu_seconds(proc.pid)
            status, body = call("POST", f"{base}/hub/api/users", token, {"usernames": ["alice", "bob"]})
            if status != 201:
                raise RuntimeError(f"POST /hub/api/users: {status} {body[:200]!r}")
            c0, t1 = cpu_seconds(proc.pid), time.monotonic()
            spawn(base, token, "alice", proc)
            c1, t2 = cpu_seconds(proc.pid), time.monotonic()
            spawn(base, token, "bob", proc)
            c2, t3 = cpu_seconds(proc.pid), time.monotonic()
            for user in ("alice", "bob"):
                call("DELETE", f"{base}/hub/api/users/{user}/server", token)
            return {"startup_cpu": started, "first_cpu": c1 - c0, "first_s": t2 - t1, "second_cpu": c2 - c1, "second_s": t3 - t2}
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(60)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--greyhub", action="append", required=True, help="greyhub.dll or the published greyhub executable (repeatable)")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--env", action="append", default=[], help="NAME=VALUE for the hub's environment (repeatable)")
    p.add_argument("--keep", action="store_true", help="keep the temp folder (logs)")
    a = p.parse_args()
    if not os.path.exists(STAND_IN):
        sys.exit(f"the stand-in single-user script is missing: {STAND_IN}")
    extra = dict(e.split("=", 1) for e in a.env)
    tmp = tempfile.mkdtemp(prefix="first-spawn-bench-")
    rows = []
    try:
        for greyhub in a.greyhub:
            runs = []
            for i in range(a.runs):
                r = one_run(greyhub, extra, tmp, f"{len(rows)}-{i}")
                print(f"# {greyhub}: {json.dumps({k: round(v, 2) for k, v in r.items()})} (load {os.getloadavg()[0]:.1f})", file=sys.stderr, flush=True)
                runs.append(r)
            rows.append((greyhub, runs))
    finally:
        if a.keep:
            print(f"# logs in {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"# load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; medians of {a.runs} runs"
          + (f"; env {' '.join(a.env)}" if a.env else ""), file=sys.stderr)
    print("| build | start-up CPU s | first spawn: hub CPU s | first spawn: s to ready | second spawn: hub CPU s | second spawn: s to ready |")
    print("|---|---|---|---|---|---|")
    for greyhub, runs in rows:
        med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
        print(f"| `{greyhub}` | {med['startup_cpu']:.2f} | {med['first_cpu']:.2f} | {med['first_s']:.2f} | {med['second_cpu']:.2f} | {med['second_s']:.2f} |")


if __name__ == "__main__":
    main()
