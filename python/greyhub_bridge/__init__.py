"""Greyhub's JupyterHub bridge: JupyterHub's own Spawner and Authenticator classes, unchanged, served over the grey
plug protocol (docs/plugins.md) so a Greyhub hub uses them like any plug-in.

Run: ``python3 -m greyhub_bridge -f greyhub_bridge_config.py`` (Debian's jupyterhub, tornado and traitlets only).
"""
