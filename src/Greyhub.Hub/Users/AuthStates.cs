using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Greyhub.Data.Stores;
using Microsoft.AspNetCore.DataProtection;

namespace Greyhub.Hub.Users;

/// <summary>A user's decrypted authentication state and what wrote it.</summary>
internal sealed record AuthState(string? Provider, JsonObject State, DateTime Updated);

/// <summary>
/// Users' <c>auth_state</c> (JupyterHub's <c>User.get_auth_state</c>/<c>save_auth_state</c>): a JSON object encrypted
/// with ASP.NET Data Protection before it is stored, with the keys the hub keeps in its data folder (<c>keys/</c>, as the
/// login cookie's). The database alone never reveals a token.
/// </summary>
internal sealed class AuthStates(AuthStateStore store, IDataProtectionProvider protection, TimeProvider time)
{
    // Versioned purpose: a later format gets its own and can still read this one.
    private readonly IDataProtector _protector = protection.CreateProtector("Greyhub.AuthState.v1");

    /// <summary>The user's state, or null when none is stored (or it can no longer be decrypted: keys lost).</summary>
    public async Task<AuthState?> GetAsync(int userId, CancellationToken cancellationToken)
    {
        if (await store.FindAsync(userId, cancellationToken) is not { } stored)
        {
            return null;
        }
        try
        {
            var clear = _protector.Unprotect(stored.Encrypted);
            return JsonNode.Parse(clear) is JsonObject state ? new AuthState(stored.Provider, state, stored.Updated) : null;
        }
        catch (CryptographicException)
        {
            // JupyterHub answers None for state it cannot decrypt; so do we (the next login writes a fresh one).
            return null;
        }
    }

    /// <summary>Stores (or, with null, removes) the user's state; <paramref name="provider"/> null keeps the recorded one.</summary>
    public Task SetAsync(int userId, string? provider, JsonObject? state, CancellationToken cancellationToken)
    {
        var encrypted = state is null ? null : _protector.Protect(Encoding.UTF8.GetBytes(state.ToJsonString()));
        return store.SaveAsync(userId, provider, encrypted, time.GetUtcNow().UtcDateTime, cancellationToken);
    }
}
