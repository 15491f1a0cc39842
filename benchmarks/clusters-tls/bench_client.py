"""One measured client run: connect (direct or through the SNI port), then 10,000 tiny tasks and N submit round trips.

Usage: bench_client.py PYTHONDIR PORT CA CERT KEY SNI|- SUBMITS. Prints one JSON line.
"""
import json
import sys
import time

sys.path.insert(0, sys.argv[1])
from distributed import Client, Security  # noqa: E402
from greyhub.security import ClusterSecurity  # noqa: E402

port, ca, cert, key, sni, submits = sys.argv[2:8]
tls = dict(tls_ca_file=ca, tls_client_cert=cert, tls_client_key=key, require_encryption=True)
security = Security(**tls) if sni == "-" else ClusterSecurity(sni, **tls)


def inc(x):
    return x + 1


start = time.perf_counter()
client = Client("tls://127.0.0.1:" + port, security=security, timeout="30s")
connect = time.perf_counter() - start
client.wait_for_workers(1, timeout=60)
client.gather(client.map(inc, range(200), pure=False))  # warm-up: the function is pickled and cached once

start = time.perf_counter()
result = client.gather(client.map(inc, range(10000), pure=False))
map_gather = time.perf_counter() - start
assert sum(result) == sum(range(1, 10001))

start = time.perf_counter()
for i in range(int(submits)):
    assert client.submit(inc, i, pure=False).result() == i + 1
submit = (time.perf_counter() - start) / int(submits)
client.close()
print(json.dumps({"connect_s": connect, "map_gather_s": map_gather, "submit_ms": submit * 1000}))
