using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Matching;

namespace Greyhub.Hub.Http;

/// <summary>
/// Endpoint metadata: the endpoint answers only paths that end with '/' (<see cref="Required"/>) or only paths that do
/// not. JupyterHub tells <c>/shares/alice</c> (alice's shares) from <c>/shares/alice/</c> (her default server's), which
/// ASP.NET's route patterns cannot, since they ignore a trailing slash.
/// </summary>
internal sealed record TrailingSlashMetadata(bool Required);

/// <summary>Picks, among the endpoints a path matched, those whose <see cref="TrailingSlashMetadata"/> fits the path.</summary>
internal sealed class TrailingSlashMatcherPolicy : MatcherPolicy, IEndpointSelectorPolicy
{
    // After the HTTP method policy (-1000); before the endpoint is chosen.
    public override int Order => 100;

    public bool AppliesToEndpoints(IReadOnlyList<Endpoint> endpoints) =>
        endpoints.Any(e => e.Metadata.GetMetadata<TrailingSlashMetadata>() is not null);

    public Task ApplyAsync(HttpContext httpContext, CandidateSet candidates)
    {
        var slash = httpContext.Request.Path.Value is { Length: > 1 } path && path[^1] == '/';
        for (var i = 0; i < candidates.Count; i++)
        {
            if (candidates.IsValidCandidate(i) && candidates[i].Endpoint.Metadata.GetMetadata<TrailingSlashMetadata>() is { } rule && rule.Required != slash)
            {
                candidates.SetValidity(i, false);
            }
        }
        return Task.CompletedTask;
    }
}
