"""Dask round trips through Greyhub's SNI port vs straight to the scheduler's TLS port, and the proxy's CPU.

Starts Debian's dask-scheduler and one dask-worker with mutual TLS (a fresh CA and a certificate with SAN
daskgateway-bench, as each Greyhub cluster gets), and the SNI proxy in its own process
(Greyhub.SniProxy.Bench). Then ROUNDS times, alternating: one fresh client process straight to the scheduler,
one through the proxy (bench_client.py). Best of the rounds per column; the ratio is SNI / direct.
Proxy CPU = utime+stime of the proxy process (/proc/PID/stat) over the SNI runs, divided by the connections it
accepted. Last, HANDSHAKES bare TLS handshakes each way (handshakes.py), for the cost of a connection alone.
"""
import datetime
import json
import os
import socket
import subprocess
import sys
import tempfile
import time

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON_DIR = os.path.join(HERE, "..", "..", "python")
PROXY_DLL = sys.argv[1]
ROUNDS = int(os.environ.get("ROUNDS", "3"))
SUBMITS = os.environ.get("SUBMITS", "1000")
HANDSHAKES = int(os.environ.get("HANDSHAKES", "300"))
SNI = "daskgateway-bench"
TICKS = os.sysconf("SC_CLK_TCK")


def certificates(directory):
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, SNI + " CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, SNI)]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(SNI)]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = [os.path.join(directory, n) for n in ("ca.pem", "cert.pem", "key.pem")]
    with open(paths[0], "wb") as f:
        f.write(ca.public_bytes(serialization.Encoding.PEM))
    with open(paths[1], "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(paths[2], "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return paths


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port, process):
    while True:
        if process.poll() is not None:
            raise SystemExit("dask-scheduler exited early")
        try:
            socket.create_connection(("127.0.0.1", port)).close()
            return
        except OSError:
            time.sleep(0.1)


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def main():
    env = dict(os.environ, OMP_NUM_THREADS="1", DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION="True")
    processes = []
    with tempfile.TemporaryDirectory(prefix="greyhub-clusters-tls-") as tmp:
        ca, cert, key = certificates(tmp)
        tls = ["--tls-ca-file", ca, "--tls-cert", cert, "--tls-key", key]
        scheduler_port = free_port()
        try:
            scheduler = subprocess.Popen(["dask-scheduler", "--protocol", "tls", "--host", "127.0.0.1", "--port",
                                          str(scheduler_port), "--no-dashboard", *tls], env=env,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            processes.append(scheduler)
            wait_for_port(scheduler_port, scheduler)
            processes.append(subprocess.Popen(["dask-worker", f"tls://127.0.0.1:{scheduler_port}", "--host", "127.0.0.1",
                                               "--nthreads", "2", "--no-nanny", "--no-dashboard", *tls], env=env,
                                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            proxy = subprocess.Popen(["dotnet", PROXY_DLL, "--SniProxy:Port=0", f"--Routes:{SNI}=127.0.0.1:{scheduler_port}"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
            processes.append(proxy)
            proxy_port = int(proxy.stdout.readline().split()[1])

            def accepted():
                proxy.stdin.write("accepted\n")
                proxy.stdin.flush()
                return int(proxy.stdout.readline())

            def client(port, sni):
                out = subprocess.run([sys.executable, os.path.join(HERE, "bench_client.py"), PYTHON_DIR, str(port), ca, cert,
                                      key, sni, SUBMITS], env=env, check=True, capture_output=True, text=True).stdout
                return json.loads(out.strip().splitlines()[-1])

            def handshakes(port, sni, n):
                out = subprocess.run([sys.executable, os.path.join(HERE, "handshakes.py"), str(port), ca, cert, key, sni,
                                      str(n)], check=True, capture_output=True, text=True).stdout
                return float(out)

            # Unmeasured warm-up: the proxy's code paths get past .NET's tiered JIT before anything is counted.
            handshakes(proxy_port, SNI, 100)
            client(proxy_port, SNI)

            runs = {"direct": [], "sni": []}
            for _ in range(ROUNDS):
                runs["direct"].append(client(scheduler_port, "-"))
                before_cpu, before_conn = cpu_seconds(proxy.pid), accepted()
                runs["sni"].append(client(proxy_port, SNI))
                runs["sni"][-1]["proxy_cpu_s"] = cpu_seconds(proxy.pid) - before_cpu
                runs["sni"][-1]["connections"] = accepted() - before_conn

            handshake = {}
            for name, port, sni in (("direct", scheduler_port, "-"), ("sni", proxy_port, SNI)):
                before_cpu = cpu_seconds(proxy.pid)
                handshake[name] = (handshakes(port, sni, HANDSHAKES), cpu_seconds(proxy.pid) - before_cpu)
        finally:
            for p in reversed(processes):
                if p.stdin:
                    p.stdin.close()
                p.terminate()
            for p in processes:
                try:
                    p.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()

    print(f"load average at the end (1, 5, 15 min): {os.getloadavg()}; {os.cpu_count()} cores; rounds {ROUNDS}, best of each column\n")
    print("| measure | direct to scheduler TLS | through SNI port | SNI / direct |")
    print("|---|---|---|---|")
    for label, field, unit, scale in (("Client() connect", "connect_s", "ms", 1000),
                                      ("gather(map(inc, range(10000)))", "map_gather_s", "s", 1),
                                      (f"submit(inc).result() round trip (x{SUBMITS})", "submit_ms", "ms", 1)):
        d = min(r[field] for r in runs["direct"]) * scale
        s = min(r[field] for r in runs["sni"]) * scale
        print(f"| {label} | {d:.3f} {unit} | {s:.3f} {unit} | {s / d:.3f}x |")
    d, s = handshake["direct"][0] * 1000, handshake["sni"][0] * 1000
    print(f"| mutual-TLS handshake on a new connection (x{HANDSHAKES}) | {d:.2f} ms | {s:.2f} ms | {s / d:.3f}x |")
    print()
    print(f"all runs: {json.dumps(runs)}")
    cpu = [r["proxy_cpu_s"] * 1000 for r in runs["sni"]]
    print(f"proxy CPU per SNI client run ({runs['sni'][0]['connections']} connections carrying the connect, a 200-task "
          f"warm-up, the 10,000-task map/gather and {SUBMITS} submits): min {min(cpu):.0f} ms; all runs "
          f"{', '.join(f'{c:.0f}' for c in cpu)} ms")
    print(f"proxy CPU for {HANDSHAKES} bare handshakes: {handshake['sni'][1] * 1000:.0f} ms "
          f"({handshake['sni'][1] * 1e6 / HANDSHAKES:.0f} us per connection); during the direct ones: {handshake['direct'][1] * 1000:.0f} ms")


if __name__ == "__main__":
    main()
