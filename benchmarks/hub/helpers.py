#!/usr/bin/python3
"""Small stdlib helpers for run.sh (Debian /usr/bin/python3 only).

  helpers.py ports N            print N distinct free TCP ports on 127.0.0.1 (one per line)
  helpers.py get KEY            read a JSON object on stdin, print obj[KEY]
  helpers.py count              read JSON on stdin: a list -> its length; a paginated object -> "items total"
  helpers.py usernames A B      print {"usernames": ["uA", ..., "uB"]}
  helpers.py wrk FILE           parse wrk --latency output: "rps p50_ms p75_ms p90_ms p99_ms non2xx sockerr"
  helpers.py cputicks PID...    print the summed utime+stime (clock ticks) of the given processes (0 if gone)
  helpers.py threads PID        print {tid: [thread name, utime+stime ticks]} of one process as JSON
  helpers.py threadsplit BEFORE AFTER WALL_S
                                CPU per thread name between two `threads` snapshots, top 4, as "name NN%"
"""
import json
import os
import re
import socket
import sys


def ports(n):
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        for s in socks:
            print(s.getsockname()[1])
    finally:
        for s in socks:
            s.close()


UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0, "h": 3600000.0}


def to_ms(text):
    m = re.fullmatch(r"([0-9.]+)(us|ms|s|m|h)", text)
    if not m:
        return float("nan")
    return float(m.group(1)) * UNITS_MS[m.group(2)]


def wrk(path):
    text = open(path, encoding="utf-8", errors="replace").read()
    rps = re.search(r"^Requests/sec:\s+([0-9.]+)", text, re.M)
    lat = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", text, re.M))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    sockerr = sum(int(x) for x in sock.groups()) if sock else 0
    fields = [rps.group(1) if rps else "nan"]
    for q in ("50", "75", "90", "99"):
        fields.append("%.2f" % to_ms(lat[q]) if q in lat else "nan")
    fields.append(non2xx.group(1) if non2xx else "0")
    fields.append(str(sockerr))
    print(" ".join(fields))


def cputicks(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                rest = f.read().rsplit(")", 1)[1].split()
            # fields after "comm)": state=0 ... utime=11 stime=12
            total += int(rest[11]) + int(rest[12])
        except (OSError, IndexError, ValueError):
            pass
    print(total)


def stat_ticks(path):
    with open(path) as f:
        rest = f.read().rsplit(")", 1)[1].split()
    return int(rest[11]) + int(rest[12])


def threads(pid):
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                name = f.read().strip()
            out[tid] = [name, stat_ticks(f"/proc/{pid}/task/{tid}/stat")]
        except (OSError, IndexError, ValueError):
            pass
    print(json.dumps(out))


def threadsplit(before, after, wall):
    """CPU per thread name; threads that exited during the run are not seen (their CPU is missing)."""
    clk = os.sysconf("SC_CLK_TCK")
    a = json.load(open(before))
    b = json.load(open(after))
    delta = {}
    for tid, (name, ticks) in b.items():
        delta[name] = delta.get(name, 0) + ticks - (a[tid][1] if tid in a else 0)
    top = sorted(((v, k) for k, v in delta.items() if v > 0), reverse=True)[:4]
    gone = sum(1 for tid in a if tid not in b)
    text = ", ".join(f"{k} {100 * v / clk / float(wall):.0f}%" for v, k in top) or "-"
    if gone:
        text += f" ({gone} threads exited during the run, their CPU not shown)"
    print(text)


def main(argv):
    cmd = argv[1]
    if cmd == "ports":
        ports(int(argv[2]))
    elif cmd == "get":
        print(json.load(sys.stdin)[argv[2]])
    elif cmd == "count":
        data = json.load(sys.stdin)
        if isinstance(data, list):
            print(len(data))
        else:
            print(len(data["items"]), data["_pagination"]["total"])
    elif cmd == "usernames":
        a, b = int(argv[2]), int(argv[3])
        print(json.dumps({"usernames": [f"u{i}" for i in range(a, b + 1)]}))
    elif cmd == "wrk":
        wrk(argv[2])
    elif cmd == "threads":
        threads(argv[2])
    elif cmd == "threadsplit":
        threadsplit(argv[2], argv[3], argv[4])
    elif cmd == "cputicks":
        cputicks(argv[2:])
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main(sys.argv)
