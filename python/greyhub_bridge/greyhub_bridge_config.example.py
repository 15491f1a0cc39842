# A Greyhub bridge config file: JupyterHub's config syntax, read by `python3 -m greyhub_bridge -f THIS_FILE`.
# Pick the JupyterHub classes to host, and configure them exactly as in jupyterhub_config.py.
c = get_config()  # noqa: F821

c.Bridge.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
# c.LocalProcessSpawner.cmd = ["jupyterhub-singleuser"]
# c.Spawner.args = ["--ServerApp.shutdown_no_activity_timeout=3600"]
# c.Spawner.environment = {"TZ": "UTC"}
# c.Spawner.options_form = '<label>Colour <input name="colour"></label>'
