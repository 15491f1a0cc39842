using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Greyhub.Hub.Pages;

/// <summary>
/// A page as an endpoint's result: a Razor component rendered on the server (static rendering, encoded by the
/// framework), with the headers every page carries.
/// </summary>
internal static class HubPage
{
    /// <summary>The pages' Content-Security-Policy: scripts and styles only from the hub's own files.</summary>
    public const string ContentSecurityPolicy = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'self'; frame-ancestors 'self'";

    /// <summary>
    /// The sign-in page's: forms post only to the hub (it shows an authenticator's own fields). Not on every page: a
    /// browser applies form-action to the redirects after a post too, and signing out may redirect to a provider.
    /// </summary>
    public const string LoginContentSecurityPolicy = ContentSecurityPolicy + "; form-action 'self'";

    /// <summary>Renders <typeparamref name="TComponent"/> with <paramref name="parameters"/> (an anonymous object or a dictionary).</summary>
    public static IResult Render<TComponent>(object? parameters = null, int status = StatusCodes.Status200OK)
        where TComponent : IComponent =>
        new PageResult(parameters switch
        {
            null => new RazorComponentResult<TComponent>() { StatusCode = status },
            IReadOnlyDictionary<string, object?> values => new RazorComponentResult<TComponent>(values) { StatusCode = status },
            _ => new RazorComponentResult<TComponent>(parameters) { StatusCode = status },
        });

    /// <summary>The styled error page: <paramref name="status"/>, a heading and what to do about it.</summary>
    public static IResult Error(int status, string? message = null, string? heading = null, string? messageId = null, (string Path, string Text)? action = null) =>
        Render<ErrorPage>(new Dictionary<string, object?>
        {
            [nameof(ErrorPage.Status)] = status,
            [nameof(ErrorPage.Message)] = message,
            [nameof(ErrorPage.Heading)] = heading,
            [nameof(ErrorPage.MessageId)] = messageId ?? "error-message",
            [nameof(ErrorPage.Action)] = action,
        }, status);

    private sealed class PageResult(RazorComponentResult page) : IResult, IStatusCodeHttpResult
    {
        public int? StatusCode => page.StatusCode;

        public Task ExecuteAsync(HttpContext context)
        {
            var headers = context.Response.Headers;
            // Pages are per user and may show a secret once (a new token): never stored by a browser or a proxy.
            headers.CacheControl = "no-store";
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "same-origin";
            // Scripts and styles only from the hub's own files (no inline code), as JupyterHub's default policy plus more.
            // A page with a stricter policy of its own (the OAuth consent page) keeps it.
            if (!headers.ContainsKey("Content-Security-Policy"))
            {
                headers.ContentSecurityPolicy = ContentSecurityPolicy;
            }
            return page.ExecuteAsync(context);
        }
    }
}
