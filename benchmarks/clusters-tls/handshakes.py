"""N mutual-TLS handshakes with the scheduler (direct or through the SNI port), each on a fresh TCP connection.

Usage: handshakes.py PORT CA CERT KEY SNI|- N. Prints the seconds per handshake.
"""
import socket
import ssl
import sys
import time

port, ca, cert, key, sni, n = sys.argv[1:7]
ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=ca)
ctx.check_hostname = False
ctx.load_cert_chain(cert, key)
start = time.perf_counter()
for _ in range(int(n)):
    with socket.create_connection(("127.0.0.1", int(port))) as raw:
        with ctx.wrap_socket(raw, server_hostname=None if sni == "-" else sni) as tls:
            tls.do_handshake()
print((time.perf_counter() - start) / int(n))
