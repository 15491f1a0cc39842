using Greyhub.Abstractions.Authentication;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Login;

/// <summary>An unknown <c>Greyhub:Authenticator:Type</c> stops the start, saying what the known ones are.</summary>
internal sealed class AuthenticatorTypeValidator(IServiceProviderIsKeyedService keyed) : IValidateOptions<HubOptions>
{
    public ValidateOptionsResult Validate(string? name, HubOptions options) =>
        keyed.IsKeyedService(typeof(IPasswordAuthenticator), options.Authenticator.Type)
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail(
                $"Greyhub:Authenticator:Type '{options.Authenticator.Type}' is unknown; use 'builtin', or configure a plug-in authenticator under Greyhub:Authenticator:Remote:{options.Authenticator.Type}.");
}
