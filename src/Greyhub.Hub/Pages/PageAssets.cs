using System.Collections.Frozen;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace Greyhub.Hub.Pages;

/// <summary>
/// The pages' stylesheet, script and icons, embedded in the assembly and served by the hub (<c>/hub/static/NAME</c>,
/// <c>/hub/favicon.ico</c>, <c>/favicon.ico</c>): no CDN, nothing leaves loopback. Links carry <c>?v=HASH</c>, so a
/// browser keeps a file for a year and fetches it again only when its content changed.
/// </summary>
internal static class PageAssets
{
    private static readonly FrozenDictionary<string, Asset> Assets = Load();

    /// <summary>The versioned URL of an asset, e.g. <c>/hub/static/greyhub.css?v=1a2b3c4d5e6f</c>.</summary>
    public static string Url(HubUrls urls, string name) => $"{urls.Hub}static/{name}?v={Assets[name].Version}";

    /// <summary>Maps <c>/static/{name}</c> and <c>/favicon.ico</c> on the hub's group.</summary>
    public static IEndpointRouteBuilder MapPageAssets(this IEndpointRouteBuilder hub)
    {
        hub.MapMethods("/static/{name}", [HttpMethods.Get, HttpMethods.Head], Serve).AllowAnonymous();
        hub.MapMethods("/favicon.ico", [HttpMethods.Get, HttpMethods.Head], (HttpContext context) => Serve(context, "favicon.ico")).AllowAnonymous();
        return hub;
    }

    /// <summary>Answers one asset (or a 404 page): an ETag, and a long cache when the link named this exact version.</summary>
    public static IResult Serve(HttpContext context, string name)
    {
        if (!Assets.TryGetValue(name, out var asset))
        {
            return Results.NotFound();
        }
        var headers = context.Response.Headers;
        headers.CacheControl = context.Request.Query["v"] == asset.Version ? "public, max-age=31536000, immutable" : "no-cache";
        headers.XContentTypeOptions = "nosniff";
        return Results.Bytes(asset.Content, asset.ContentType, entityTag: new EntityTagHeaderValue($"\"{asset.Version}\""));
    }

    private static FrozenDictionary<string, Asset> Load()
    {
        const string prefix = "Greyhub.Hub.Pages.Assets.";
        var assembly = typeof(PageAssets).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var content = buffer.ToArray();
            var name = resource[prefix.Length..];
            var type = Path.GetExtension(name) switch
            {
                ".css" => "text/css; charset=utf-8",
                ".js" => "text/javascript; charset=utf-8",
                ".svg" => "image/svg+xml",
                ".ico" => "image/x-icon",
                var other => throw new InvalidOperationException($"No content type for page asset {name} ({other})"),
            };
            assets[name] = new Asset(content, type, Convert.ToHexStringLower(SHA256.HashData(content))[..12]);
        }
        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private sealed record Asset(byte[] Content, string ContentType, string Version);
}
