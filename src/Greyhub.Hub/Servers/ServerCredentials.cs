using Greyhub.Hub.OAuth;
using Greyhub.Hub.Tokens;

namespace Greyhub.Hub.Servers;

/// <summary>
/// A server's own credentials: an API token with the <c>server</c> role's scopes made concrete for that server,
/// and the OAuth client (same secret) through which browsers log in to it. Both die with the server.
/// </summary>
internal sealed class ServerCredentials(TokenService tokens, OAuthClients clients)
{
    public sealed record Issued(int TokenId, string Secret);

    public async Task<Issued> IssueAsync(int userId, ServerKey key, string prefix, CancellationToken cancellationToken)
    {
        var access = $"access:servers!server={key.User}/{key.Server}";
        // JupyterHub's server role is users:activity!user + access:servers!server; the server filter is written out
        // here because the token itself does not know its server. Greyhub adds clusters!user: a notebook asks for its
        // owner's Dask clusters with this token (greyhub.new_cluster(), Dask Gateway's JupyterHub auth).
        var issued = await tokens.IssueAsync(userId, ["users:activity!user", access, "clusters!user"], $"Server at {prefix}", sessionId: null, expiresIn: null, cancellationToken);
        await clients.UpsertAsync(key.ClientId, issued.Secret, prefix + "oauth_callback", $"Server at {prefix}", [access], cancellationToken);
        return new Issued(issued.Record.Id, issued.Secret);
    }

    /// <summary>Revokes the credentials of many stopped servers, each client and token once.</summary>
    public async Task RevokeManyAsync(IEnumerable<ServerState> states, CancellationToken cancellationToken)
    {
        var list = states.ToList();
        foreach (var clientId in list.Select(s => s.ClientId).OfType<string>().Distinct(StringComparer.Ordinal))
        {
            await clients.RemoveAsync(clientId, cancellationToken);
        }
        foreach (var id in list.Select(s => s.TokenId).OfType<int>().Distinct())
        {
            await tokens.RevokeAsync(id, cancellationToken);
        }
    }

    public async Task RevokeAsync(ServerState state, CancellationToken cancellationToken)
    {
        if (state.ClientId is { } clientId)
        {
            await clients.RemoveAsync(clientId, cancellationToken);
        }
        if (state.TokenId is { } id)
        {
            await tokens.RevokeAsync(id, cancellationToken);
        }
    }
}
