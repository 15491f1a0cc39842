#!/usr/bin/python3
"""The hub's CPU per cluster, round after round: where bench.py's "hub CPU per cluster" goes and whether it is warm-up.

Usage: hub_cpu.py GREYHUB_DLL N ROUNDS   (HUB_ARGS as in bench.py)
Starts one hub, reads its CPU over IDLE (10) seconds with no cluster (its background cost), then runs ROUNDS times
bench.py's hub path (create, scale to N, connect through the SNI port until N workers are connected, stop) and prints
each round's hub CPU, split at the moment the N workers are connected (start) and after (the client's close and the
stop). With PERF_WAIT=SECONDS it pauses before round PERF_AT (2) so a profiler can attach (`perf record -p PID`).
"""
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from bench import CLOCKS, PY, start_hub  # noqa: E402
from hubproc import cpu_seconds  # noqa: E402

# bench.py's hub round, with a marker line when the workers are connected so the driver can read the hub's CPU there.
ROUND = CLOCKS + """
import logging, sys, greyhub
logging.disable(logging.WARNING)
g = greyhub.Gateway()
t0 = now()
name = g.submit()
g.scale_cluster(name, {n})
cluster = g.connect(name)
client = cluster.get_client()
client.wait_for_workers({n}, timeout=300)
print("connected", now() - t0, flush=True)
sys.stdin.readline()
client.close()
g.stop_cluster(name)
print("stopped", now() - t0, flush=True)
"""


def main():
    dll, n, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    idle = float(os.environ.get("IDLE", "10"))
    proc, base, token, data = start_hub(dll, os.environ.get("HUB_ARGS", "").split())
    env = dict(os.environ, PYTHONPATH=os.path.join(os.path.dirname(os.path.abspath(dll)), "python"),
               JUPYTERHUB_API_URL=base + "/hub/api", JUPYTERHUB_API_TOKEN=token)
    print(f"hub pid {proc.pid}, data {data}", flush=True)
    try:
        time.sleep(2)
        before = cpu_seconds(proc.pid)
        time.sleep(idle)
        print(f"idle: {(cpu_seconds(proc.pid) - before) / idle * 1000:.1f} ms CPU per second", flush=True)
        rows = []
        for i in range(rounds):
            if i == int(os.environ.get("PERF_AT", "2")) and os.environ.get("PERF_WAIT"):
                print(f"PERF: attach to {proc.pid} now", flush=True)
                time.sleep(float(os.environ["PERF_WAIT"]))
            c0 = cpu_seconds(proc.pid)
            child = subprocess.Popen([PY, "-c", ROUND.format(n=n)], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True)
            line = child.stdout.readline().split()
            c1 = cpu_seconds(proc.pid)
            child.stdin.write("\n")
            child.stdin.flush()
            end = child.stdout.readline().split()
            child.wait()
            # The stop answers at once; its jobs are gone a moment later: wait for the hub to finish it.
            time.sleep(1.5)
            c2 = cpu_seconds(proc.pid)
            rows.append((c1 - c0, c2 - c1, float(line[1]), float(end[1])))
            print(f"round {i}: start {float(line[1]):.2f} s, hub CPU to connected {(c1 - c0) * 1000:.0f} ms, "
                  f"close+stop+1.5 s {(c2 - c1) * 1000:.0f} ms, load {os.getloadavg()[0]:.1f}", flush=True)
        time.sleep(2)
        before = cpu_seconds(proc.pid)
        time.sleep(idle)
        print(f"idle after the rounds: {(cpu_seconds(proc.pid) - before) / idle * 1000:.1f} ms CPU per second", flush=True)
        tail = rows[rounds // 2:] or rows
        print(f"median of the second half: to connected {statistics.median(r[0] for r in tail) * 1000:.0f} ms, "
              f"stop {statistics.median(r[1] for r in tail) * 1000:.0f} ms")
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
