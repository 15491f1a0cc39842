using Greyhub.Hub.Pages;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Greyhub.Hub.Home;

/// <summary>Pages the single-user server links to: <c>/hub/logo</c>, <c>/hub/security/csp-report</c>, <c>/hub/error/{code}</c>.</summary>
internal static partial class MiscPages
{
    private const string Logo = """
        <svg xmlns="http://www.w3.org/2000/svg" width="160" height="40" viewBox="0 0 160 40"><rect width="40" height="40" rx="9" fill="#0d6666"/><circle cx="20" cy="20" r="10.3" fill="none" stroke="#fff" stroke-width="4.4"/><circle cx="20" cy="20" r="3.4" fill="#fff"/><text x="50" y="27" font-family="sans-serif" font-size="20" font-weight="600" fill="#1f2a33">Greyhub</text></svg>
        """;

    public static IEndpointRouteBuilder MapMiscPages(this IEndpointRouteBuilder hub)
    {
        hub.MapGet("/logo", () => Results.Text(Logo, "image/svg+xml")).AllowAnonymous();
        hub.MapPost("/security/csp-report", CspReport).DisableAntiforgery().AllowAnonymous();
        hub.MapGet("/error/{code:int}", (int code) => HubPage.Error(code is >= 400 and < 600 ? code : 500)).AllowAnonymous();
        return hub;
    }

    private static async Task<IResult> CspReport(HttpContext context, ILoggerFactory loggers)
    {
        using var reader = new StreamReader(context.Request.Body);
        var buffer = new char[4096];
        var read = await reader.ReadBlockAsync(buffer, context.RequestAborted);
        LogCsp(loggers.CreateLogger("Greyhub.Security"), new string(buffer, 0, read));
        return Results.NoContent();
    }

    [LoggerMessage(EventId = HubEvents.CspViolation, Level = LogLevel.Warning, Message = "Content security policy violation: {Report}")]
    private static partial void LogCsp(ILogger logger, string report);
}
