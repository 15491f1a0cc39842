#!/usr/bin/python3
"""Time /hub/admin's first page (rendered on the server) with many users, and the API calls its script makes.

Starts `dotnet GREYHUB_DLL serve` on a free loopback port with a fresh data folder (SQLite), creates an admin and
NUSERS users through the REST API (POST /hub/api/users, in batches), signs in through the login form like a browser,
then times each request below REPEAT times after WARMUP untimed ones, sequentially (one client: the latency a person
sees). Prints a markdown table; stops only the hub it started, by its PID. Stdlib only.

    benchmarks/hub/admin_page.py                         # src/Greyhub.Host/bin/Release/net10.0/greyhub.dll
    NUSERS=50000 REPEAT=30 GREYHUB_DLL=path/greyhub.dll benchmarks/hub/admin_page.py
"""
import html
import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DLL = os.environ.get("GREYHUB_DLL", os.path.join(ROOT, "src/Greyhub.Host/bin/Release/net10.0/greyhub.dll"))
NUSERS = int(os.environ.get("NUSERS", "50000"))
REPEAT = int(os.environ.get("REPEAT", "30"))
WARMUP = int(os.environ.get("WARMUP", "10"))
PASSWORD = "benchmark password"
PAGED = "application/jupyterhub-pagination+json"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def greyhub(args, data, stdin=None):
    return subprocess.run(["dotnet", DLL, *args, "--data-dir", data], input=stdin, capture_output=True, text=True, check=True).stdout


_requests = 0


def timed(opener, url, headers, body_check):
    global _requests
    _requests += 1
    # A parameter nothing reads, new on every request: the hub's 1-second response cache of the users API (keyed on
    # the URL) never answers, as for a person paging through; the page itself is never cached.
    url += f"&nocache={_requests}" if "?" in url else f"?nocache={_requests}"
    request = urllib.request.Request(url, headers=headers)
    started = time.perf_counter()
    with opener.open(request) as response:
        body = response.read()
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status == 200, response.status
    body_check(body)
    return elapsed


def main():
    if not os.path.exists(DLL):
        sys.exit(f"no {DLL}: build it with `dotnet build -c Release src/Greyhub.Host` (or set GREYHUB_DLL)")
    data = tempfile.mkdtemp(prefix="greyhub-admin-bench-")
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    hub = None
    try:
        greyhub(["users", "add", "--admin", "--password-stdin", "bench-admin"], data, PASSWORD + "\n")
        token = greyhub(["token", "--admin", "bench-admin"], data).strip()
        hub = subprocess.Popen(["dotnet", DLL, "serve", "--urls", base.rstrip("/"), "--data-dir", data,
                                "--Logging:LogLevel:Default=Warning"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(600):
            try:
                urllib.request.urlopen(base + "hub/health", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        api = {"Authorization": f"token {token}", "Content-Type": "application/json"}
        batch = 10_000
        for start in range(0, NUSERS, batch):
            names = [f"u{i:06d}" for i in range(start + 1, min(NUSERS, start + batch) + 1)]
            request = urllib.request.Request(base + "hub/api/users", data=json.dumps({"usernames": names}).encode(), headers=api, method="POST")
            with urllib.request.urlopen(request, timeout=600) as response:
                assert response.status == 201

        # Sign in as a browser does: the login form's XSRF token, then the login cookie.
        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        form = browser.open(base + "hub/login").read().decode()
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', form).group(1)
        browser.open(base + "hub/login", data=urllib.parse.urlencode({"username": "bench-admin", "password": PASSWORD, "_xsrf": html.unescape(xsrf)}).encode()).read()
        tokenized = urllib.request.build_opener()

        def rows(expected):
            def check(body):
                found = body.count(b'class="user-row"')
                assert found == expected, f"{found} rows, expected {expected}"
            return check

        def items(expected):
            def check(body):
                assert len(json.loads(body)["items"]) == expected
            return check

        total = NUSERS + 1
        cases = [
            ("page `/hub/admin` (first 50, by id)", browser, "hub/admin", {}, rows(50)),
            ("page, `name_filter=u04999` (10 matches)", browser, "hub/admin?name_filter=u04999", {}, rows(10)),
            ("page, `name_filter=u04` (10,000 matches, first 50)", browser, "hub/admin?name_filter=u04", {}, rows(50)),
            ("page, `sort=-last_activity`", browser, "hub/admin?sort=-last_activity", {}, rows(50)),
            ("page, `sort=name&offset=25000`", browser, "hub/admin?sort=name&offset=25000", {}, rows(50)),
            ("page, `state=inactive&limit=200`", browser, "hub/admin?state=inactive&limit=200", {}, rows(200)),
            ("API as the script calls it: `users?offset=0&limit=50&sort=id&include_stopped_servers=1`, paged", tokenized,
             "hub/api/users?offset=0&limit=50&sort=id&include_stopped_servers=1", {"Authorization": f"token {token}", "Accept": PAGED}, items(50)),
            ("API, `name_filter=u04`, paged", tokenized, "hub/api/users?offset=0&limit=50&name_filter=u04&sort=id&include_stopped_servers=1",
             {"Authorization": f"token {token}", "Accept": PAGED}, items(50)),
        ]
        print(f"{total:,} users, SQLite, {REPEAT} sequential requests each after {WARMUP} untimed; load average {os.getloadavg()[0]:.1f}\n")
        print("| request | p50 ms | p90 ms | max ms |\n|---|---:|---:|---:|")
        for label, opener, path, headers, check in cases:
            for _ in range(WARMUP):
                timed(opener, base + path, headers, check)
            samples = sorted(timed(opener, base + path, headers, check) for _ in range(REPEAT))
            p90 = samples[min(len(samples) - 1, int(len(samples) * 0.9))]
            print(f"| {label} | {statistics.median(samples):.1f} | {p90:.1f} | {samples[-1]:.1f} |")
        print(f"\nload average after: {os.getloadavg()[0]:.1f}")
    finally:
        if hub is not None:
            hub.send_signal(signal.SIGTERM)
            try:
                hub.wait(timeout=30)
            except subprocess.TimeoutExpired:
                hub.kill()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
