using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Greyhub.Data.Access.Serving;

/// <summary>
/// The CORS policy of <c>/data/</c> (files, catalog, STAC), named by those endpoints' metadata: a web viewer in another
/// origin may GET and HEAD with <c>Range</c>, conditional headers and <c>Authorization</c>, POST a STAC search, and
/// read the headers a Zarr reader needs. Credentials are never allowed, so the login cookie is useless cross-origin.
/// </summary>
internal sealed class DataCors(IOptions<DataAccessOptions> data) : IConfigureOptions<CorsOptions>
{
    /// <summary>The policy's name.</summary>
    public const string Policy = "greyhub-data";

    public void Configure(CorsOptions options)
    {
        var o = data.Value;
        options.AddPolicy(Policy, policy =>
        {
            if (!o.CorsEnabled)
            {
                // No origin is allowed: the middleware adds no CORS headers and the browser blocks the read.
                return;
            }
            if (o.CorsAllowedOrigins.Count == 0)
            {
                policy.AllowAnyOrigin();
            }
            else
            {
                policy.WithOrigins([.. o.CorsAllowedOrigins]);
            }
            policy.WithMethods("GET", "HEAD", "POST")
                .WithHeaders(HeaderNames.Authorization, HeaderNames.Range, HeaderNames.IfNoneMatch, HeaderNames.IfModifiedSince,
                    HeaderNames.IfMatch, HeaderNames.IfRange, HeaderNames.ContentType)
                .WithExposedHeaders(HeaderNames.ContentRange, HeaderNames.ETag, HeaderNames.ContentLength, HeaderNames.AcceptRanges,
                    HeaderNames.LastModified, HeaderNames.ContentEncoding)
                .SetPreflightMaxAge(TimeSpan.FromHours(1))
                .DisallowCredentials();
        });
    }

    /// <summary>True for <c>scheme://host[:port]</c> with http or https and nothing after it.</summary>
    public static bool IsOrigin(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri)
        && uri.Scheme is "http" or "https"
        && string.Equals(uri.GetLeftPart(UriPartial.Authority), text.TrimEnd('/'), StringComparison.OrdinalIgnoreCase)
        && !text.EndsWith('/');
}
