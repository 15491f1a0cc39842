namespace Greyhub.Hub.Http;

/// <summary>An API error answered as JupyterHub does: <c>{"status": N, "message": "..."}</c>.</summary>
internal sealed class ApiException(int status, string message) : Exception(message)
{
    /// <summary>HTTP status.</summary>
    public int Status { get; } = status;

    /// <summary>A retry hint in seconds, for 429.</summary>
    public int? RetryAfterSeconds { get; init; }

    public static ApiException BadRequest(string message) => new(400, message);

    public static ApiException Forbidden(string message = "Forbidden") => new(403, message);

    public static ApiException NotFound(string message = "Not Found") => new(404, message);

    public static ApiException Conflict(string message) => new(409, message);
}
