#!/usr/bin/python3
"""The SNI proxy's CPU per bare mutual-TLS handshake, interleaved with direct handshakes, optionally under perf.

Usage: handshake_cpu.py PROXY_DLL   (ROUNDS=5 batches of HANDSHAKES=200 each way after WARMUP=300 through the proxy)
Same cluster, certificates and proxy as bench.py (its helpers). Each round: a batch of handshakes straight to the
scheduler, then a batch through the proxy, with the proxy's utime+stime (/proc) read around each batch. Prints per
round: wall ms per handshake each way and the proxy's CPU per proxied handshake; then the medians.
PERF=FILE records the proxy (`perf record -g`, user space) during the last proxied batch into FILE; the proxy then runs
with DOTNET_PerfMapEnabled=1 so perf can name JIT-compiled methods. Extra environment for the proxy: PROXY_ENV="A=1 B=2".
"""
import os
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench import HERE, SNI, certificates, cpu_seconds, free_port, wait_for_port  # noqa: E402

ROUNDS = int(os.environ.get("ROUNDS", "5"))
HANDSHAKES = int(os.environ.get("HANDSHAKES", "200"))
WARMUP = int(os.environ.get("WARMUP", "300"))
PERF = os.environ.get("PERF")


def main():
    dll = sys.argv[1]
    env = dict(os.environ, OMP_NUM_THREADS="1", DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION="True")
    proxy_env = dict(os.environ)
    for setting in os.environ.get("PROXY_ENV", "").split():
        key, value = setting.split("=", 1)
        proxy_env[key] = value
    if PERF:
        proxy_env["DOTNET_PerfMapEnabled"] = "1"
    processes = []
    with tempfile.TemporaryDirectory(prefix="greyhub-handshake-cpu-") as tmp:
        ca, cert, key = certificates(tmp)
        port = free_port()
        try:
            scheduler = subprocess.Popen(["dask-scheduler", "--protocol", "tls", "--host", "127.0.0.1", "--port", str(port),
                                          "--no-dashboard", "--tls-ca-file", ca, "--tls-cert", cert, "--tls-key", key],
                                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            processes.append(scheduler)
            wait_for_port(port, scheduler)
            proxy = subprocess.Popen(["dotnet", dll, "--SniProxy:Port=0", f"--Routes:{SNI}=127.0.0.1:{port}"], env=proxy_env,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
            processes.append(proxy)
            proxy_port = int(proxy.stdout.readline().split()[1])

            def batch(target, sni, n):
                out = subprocess.run([sys.executable, os.path.join(HERE, "handshakes.py"), str(target), ca, cert, key, sni,
                                      str(n)], check=True, capture_output=True, text=True).stdout
                return float(out) * 1000

            batch(proxy_port, SNI, WARMUP)  # .NET's tiered JIT, unmeasured
            rows = []
            for i in range(ROUNDS):
                direct = batch(port, "-", HANDSHAKES)
                perf = None
                if PERF and i == ROUNDS - 1:
                    perf = subprocess.Popen(["perf", "record", "-g", "-F", "2999", "-o", PERF, "-p", str(proxy.pid)],
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                before = cpu_seconds(proxy.pid)
                sni = batch(proxy_port, SNI, HANDSHAKES)
                cpu = (cpu_seconds(proxy.pid) - before) * 1000 / HANDSHAKES
                if perf:
                    perf.send_signal(2)
                    perf.wait()
                rows.append((direct, sni, cpu))
                print(f"round {i}: direct {direct:.2f} ms, through the proxy {sni:.2f} ms ({sni / direct:.2f}x), "
                      f"proxy CPU {cpu:.2f} ms per handshake, load {os.getloadavg()[0]:.1f}", flush=True)
        finally:
            for p in reversed(processes):
                if p.stdin:
                    p.stdin.close()
                p.terminate()
            for p in processes:
                p.wait()
    med = [statistics.median(r[k] for r in rows) for k in range(3)]
    ratio = statistics.median(r[1] / r[0] for r in rows)
    print(f"medians of {ROUNDS} rounds x {HANDSHAKES}: direct {med[0]:.2f} ms, through the proxy {med[1]:.2f} ms "
          f"({ratio:.2f}x, paired), proxy CPU {med[2]:.2f} ms per handshake; load average {os.getloadavg()}")


if __name__ == "__main__":
    main()
