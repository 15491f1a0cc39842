"""Many readers at once: PROCS processes x THREADS threads, each on its own keep-alive connection, GET random chunks
for SECONDS and check every body against the file on disk. Prints {"bytes": ..., "requests": ..., "seconds": ...,
"errors": ...} for all of them together. Standard library only.

usage: readers.py HOST PORT PREFIX KEYS LOCAL_DIR TOKEN PROCS THREADS SECONDS"""
import http.client
import json
import multiprocessing
import os
import random
import sys
import threading
import time


def reader(host, port, prefix, keys, local, token, deadline, out, lock):
    conn = http.client.HTTPConnection(host, port, timeout=60)
    headers = {"Authorization": f"token {token}"} if token else {}
    rng = random.Random()
    expected = {}
    n = got = errors = 0
    while time.monotonic() < deadline:
        k = rng.randrange(keys)
        try:
            conn.request("GET", f"{prefix}{k}", headers=headers)
            resp = conn.getresponse()
            body = resp.read()
        except (OSError, http.client.HTTPException):
            errors += 1
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=60)
            continue
        if k not in expected:
            with open(os.path.join(local, str(k)), "rb") as f:
                expected[k] = f.read()
        if resp.status != 200 or body != expected[k]:
            errors += 1
        n += 1
        got += len(body)
    conn.close()
    with lock:
        out["requests"] += n
        out["bytes"] += got
        out["errors"] += errors


def process(args, start, seconds, queue):
    host, port, prefix, keys, local, token, threads = args
    out = {"requests": 0, "bytes": 0, "errors": 0}
    lock = threading.Lock()
    # All processes start together (the parent gives the start time), so the aggregate is over the same window.
    time.sleep(max(0.0, start - time.time()))
    deadline = time.monotonic() + seconds
    ts = [threading.Thread(target=reader, args=(host, port, prefix, keys, local, token, deadline, out, lock))
          for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    queue.put(out)


def main():
    host, port, prefix, keys, local, token, procs, threads, seconds = sys.argv[1:10]
    args = (host, int(port), prefix, int(keys), local, token, int(threads))
    start = time.time() + 1.0
    queue = multiprocessing.Queue()
    ps = [multiprocessing.Process(target=process, args=(args, start, float(seconds), queue)) for _ in range(int(procs))]
    for p in ps:
        p.start()
    results = [queue.get() for _ in ps]
    for p in ps:
        p.join()
    total = {k: sum(r[k] for r in results) for k in ("requests", "bytes", "errors")}
    total["seconds"] = float(seconds)
    print(json.dumps(total))


if __name__ == "__main__":
    main()
