"""TLS to a Dask scheduler behind Greyhub's SNI proxy.

Greyhub serves every cluster's scheduler on one TLS port and routes each connection by the server name (SNI) the
client sends, ``daskgateway-<cluster name>`` as Dask Gateway does. ``distributed`` sends a server name only when the
connection arguments carry ``server_hostname``; this module adds it. Standard library and Debian's ``distributed`` only.
"""

from distributed.security import Security

SNI_PREFIX = "daskgateway-"


def server_name(cluster_name):
    """The TLS server name that routes to ``cluster_name``'s scheduler."""
    return SNI_PREFIX + cluster_name


class ClusterSecurity(Security):
    """Mutual TLS with one cluster's credentials that also names the cluster in the TLS handshake (SNI).

    ``server_hostname`` is the name to send, e.g. ``server_name("abc")``; the other keyword arguments are
    ``distributed.security.Security``'s (``tls_ca_file``, ``tls_client_cert``, ``tls_client_key``, ...).
    Encryption is required unless ``require_encryption=False`` is passed.
    """

    # No __slots__ here: Security checks keyword arguments against __slots__, which a subclass's would replace.

    def __init__(self, server_hostname, **kwargs):
        if not server_hostname:
            raise ValueError("server_hostname is required: it selects the cluster at Greyhub's TLS port")
        kwargs.setdefault("require_encryption", True)
        super().__init__(**kwargs)
        self.server_hostname = server_hostname

    def get_connection_args(self, role):
        args = super().get_connection_args(role)
        args["server_hostname"] = self.server_hostname
        return args

    def __repr__(self):
        return "ClusterSecurity(server_hostname=%r, %s" % (self.server_hostname, super().__repr__()[len("Security("):])
