using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Greyhub.Proxy;

/// <summary>
/// Who calls the REST API, as CHP decides it: the caller holds <see cref="ProxyOptions.ApiToken"/> when its
/// <c>Authorization</c> header carries <c>token &lt;value&gt;</c>; with no token configured, everyone does. Refusals are a
/// bare 403 (CHP answers 403 both without a token and with a wrong one).
/// </summary>
internal sealed partial class ProxyTokenAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemes, ILoggerFactory loggers, UrlEncoder encoder, IOptions<ProxyOptions> proxy)
    : AuthenticationHandler<AuthenticationSchemeOptions>(schemes, loggers, encoder)
{
    /// <summary>The scheme's name.</summary>
    public const string SchemeName = "ProxyToken";

    /// <summary>The policy the API's endpoints require.</summary>
    public const string Policy = "ProxyApi";

    private static readonly ClaimsPrincipal Caller = new(new ClaimsIdentity([new Claim(ClaimTypes.Name, "proxy-api")], SchemeName));

    // The token's hash, compared in fixed time with the presented one's (hashing first hides the token's length too).
    private readonly byte[]? _expected = proxy.Value.ApiToken.Length == 0 ? null : SHA256.HashData(Encoding.UTF8.GetBytes(proxy.Value.ApiToken));

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (_expected is null)
        {
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(Caller, SchemeName)));
        }
        // CHP's reading of the header: "token", whitespace, then the token (the first run of non-whitespace).
        var match = TokenPattern().Match(Request.Headers.Authorization.ToString());
        if (!match.Success)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(match.Groups[1].Value));
        return Task.FromResult(CryptographicOperations.FixedTimeEquals(presented, _expected)
            ? AuthenticateResult.Success(new AuthenticationTicket(Caller, SchemeName))
            : AuthenticateResult.Fail("Wrong proxy API token"));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) => RefuseAsync();

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => RefuseAsync();

    private Task RefuseAsync()
    {
        // The request target as sent (still escaped): the decoded path may hold a CR or LF that would forge a log line.
        Log.Refused(Logger, Request.Method, Context.Features.Get<IHttpRequestFeature>()?.RawTarget);
        Response.StatusCode = StatusCodes.Status403Forbidden;
        return Task.CompletedTask;
    }

    [GeneratedRegex(@"token\s+(\S+)", RegexOptions.CultureInvariant)]
    private static partial Regex TokenPattern();

    private static partial class Log
    {
        [LoggerMessage(EventId = ProxyEvents.ApiRefused, Level = LogLevel.Debug, Message = "Rejecting API request {Method} {Path}: no valid token")]
        public static partial void Refused(ILogger logger, string method, string? path);
    }
}
