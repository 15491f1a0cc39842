using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Greyhub.Hub.Upstream;

/// <summary>
/// The OpenID Connect handler's own token validation, with signatures required always. The handler relaxes
/// <c>RequireSignedTokens</c> for an id_token fetched from the token endpoint (OIDC Core 3.1.3.7 lets TLS stand in for
/// the signature), which let an <c>alg: none</c> id_token through in our tests; a hub accepting identities from
/// several providers, some over loopback http, keeps the signature check.
/// </summary>
internal sealed class SignedIdTokenHandler : JsonWebTokenHandler
{
    public override Task<TokenValidationResult> ValidateTokenAsync(string token, TokenValidationParameters validationParameters) =>
        base.ValidateTokenAsync(token, Strict(validationParameters));

    public override Task<TokenValidationResult> ValidateTokenAsync(SecurityToken token, TokenValidationParameters validationParameters) =>
        base.ValidateTokenAsync(token, Strict(validationParameters));

    private static TokenValidationParameters Strict(TokenValidationParameters parameters)
    {
        if (parameters.RequireSignedTokens)
        {
            return parameters;
        }
        var strict = parameters.Clone();
        strict.RequireSignedTokens = true;
        return strict;
    }
}
