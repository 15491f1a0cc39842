using Microsoft.AspNetCore.Http.Metadata;

namespace Greyhub.Hub.Http;

/// <summary>
/// Endpoint metadata of every JSON API endpoint (<c>/hub/api/...</c>, <c>/hub/metrics</c>): errors, refusals and
/// oversize bodies are answered as JupyterHub's JSON error, never as a page or a stack. ASP.NET's endpoint routing
/// applies the body limit (<see cref="IRequestSizeLimitMetadata"/>) before the body is read.
/// </summary>
internal sealed class HubApiEndpoint(long maxBodyBytes) : IRequestSizeLimitMetadata
{
    public long? MaxRequestBodySize { get; } = maxBodyBytes;
}
