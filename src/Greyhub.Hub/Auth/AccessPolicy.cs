using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Auth;

/// <summary>
/// JupyterHub 5's login rules: blocked users never; then <c>allow_all</c>; then admins and allowed users;
/// then existing users when <c>allow_existing_users</c>. Unlike JupyterHub 5 (false unless an allow list is set),
/// the default is true: built-in users exist only because an admin created them, which is itself the allow.
/// </summary>
internal sealed class AccessPolicy(IOptions<HubOptions> options)
{
    private readonly AuthenticatorOptions _auth = options.Value.Authenticator;

    public bool IsBlocked(string name) => _auth.BlockedUsers.Contains(name, StringComparer.Ordinal);

    public bool IsConfiguredAdmin(string name) => _auth.AdminUsers.Contains(name, StringComparer.Ordinal);

    /// <summary>Whether <paramref name="name"/> may log in, given whether the user already exists.</summary>
    public bool MayLogIn(string name, bool exists)
    {
        if (IsBlocked(name))
        {
            return false;
        }
        if (_auth.AllowAll || IsConfiguredAdmin(name) || _auth.AllowedUsers.Contains(name, StringComparer.Ordinal))
        {
            return true;
        }
        var allowExisting = _auth.AllowExistingUsers ?? true;
        return allowExisting && exists;
    }
}
