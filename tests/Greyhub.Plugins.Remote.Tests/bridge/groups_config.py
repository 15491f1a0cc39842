# The bridge's config for the tests' GroupsAuthenticator, in JupyterHub's syntax.
c = get_config()  # noqa: F821

c.Bridge.authenticator_class = "bridge_test_authenticator.GroupsAuthenticator"
c.GroupsAuthenticator.passwords = {"alice": "alice-pass-1", "carol": "carol-pass-1", "mallory": "mallory-pass-1"}
c.Authenticator.manage_groups = True
c.Authenticator.admin_users = {"carol"}
c.Authenticator.blocked_users = {"mallory"}
