"""Greyhub's Python side: Dask clusters from a notebook (``greyhub.new_cluster``) and the scheduler preload."""

from .client import Gateway, GatewayCluster, GatewayError, VersionMismatchWarning, client_versions, new_cluster

__all__ = ["Gateway", "GatewayCluster", "GatewayError", "VersionMismatchWarning", "client_versions", "new_cluster"]
