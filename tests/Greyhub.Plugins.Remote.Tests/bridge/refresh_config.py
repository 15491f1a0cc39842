# The bridge's config for the tests' RefreshingAuthenticator, in JupyterHub's syntax.
c = get_config()  # noqa: F821

c.Bridge.authenticator_class = "bridge_test_authenticator.RefreshingAuthenticator"
c.GroupsAuthenticator.passwords = {"alice": "alice-pass-1", "bob": "bob-pass-1", "dave": "dave-pass-1"}
c.Authenticator.manage_groups = True
c.Authenticator.refresh_pre_spawn = True
