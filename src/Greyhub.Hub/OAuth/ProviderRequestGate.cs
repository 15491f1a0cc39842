using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using OpenIddict.Server.AspNetCore;
using System.Security.Claims;

namespace Greyhub.Hub.OAuth;

/// <summary>
/// Marks the endpoints a request to the provider may land on: its authorize endpoint (OpenIddict validates the request,
/// then passes it through to the hub's page), and the catch-alls, where its token, discovery and JWKS requests land
/// (OpenIddict answers those itself: no endpoint of the hub is mapped at their addresses).
/// </summary>
internal sealed class ProviderRequests
{
    public static ProviderRequests Instance { get; } = new();

    private ProviderRequests()
    {
    }

    /// <summary>Whether OpenIddict is to look at a request routed to <paramref name="endpoint"/> (none: it decides).</summary>
    public static bool MayServe(Endpoint? endpoint) => endpoint is null || endpoint.Metadata.GetMetadata<ProviderRequests>() is not null;
}

/// <summary>
/// OpenIddict's ASP.NET Core handler in front of which the hub puts its routing: the authentication middleware asks every
/// request handler about every request, and OpenIddict's answer costs a transaction, its event pipeline and a few URIs
/// each time. A request routed to one of the hub's own endpoints (its API, its pages) is not the provider's, so
/// OpenIddict is not asked; a request that may be (<see cref="ProviderRequests"/>) goes to OpenIddict, which matches it
/// against its own endpoint addresses as before. Everything else (authenticate, sign-in, ...) is OpenIddict's, created
/// only when used.
/// </summary>
internal sealed class ProviderRequestGate : IAuthenticationRequestHandler, IAuthenticationSignInHandler, IAuthenticationSignOutHandler
{
    private AuthenticationScheme? _scheme;
    private HttpContext? _context;
    private OpenIddictServerAspNetCoreHandler? _inner;

    public Task InitializeAsync(AuthenticationScheme scheme, HttpContext context)
    {
        _scheme = scheme;
        _context = context;
        return Task.CompletedTask;
    }

    public async Task<bool> HandleRequestAsync() =>
        ProviderRequests.MayServe(Context.GetEndpoint()) && await (await InnerAsync()).HandleRequestAsync();

    public async Task<AuthenticateResult> AuthenticateAsync() => await (await InnerAsync()).AuthenticateAsync();

    public async Task ChallengeAsync(AuthenticationProperties? properties) => await (await InnerAsync()).ChallengeAsync(properties);

    public async Task ForbidAsync(AuthenticationProperties? properties) => await (await InnerAsync()).ForbidAsync(properties);

    public async Task SignInAsync(ClaimsPrincipal user, AuthenticationProperties? properties) => await (await InnerAsync()).SignInAsync(user, properties);

    public async Task SignOutAsync(AuthenticationProperties? properties) => await (await InnerAsync()).SignOutAsync(properties);

    private HttpContext Context => _context ?? throw new InvalidOperationException("The handler is not initialized.");

    private async Task<OpenIddictServerAspNetCoreHandler> InnerAsync()
    {
        if (_inner is null)
        {
            var inner = ActivatorUtilities.GetServiceOrCreateInstance<OpenIddictServerAspNetCoreHandler>(Context.RequestServices);
            await inner.InitializeAsync(_scheme!, Context);
            _inner = inner;
        }
        return _inner;
    }
}
