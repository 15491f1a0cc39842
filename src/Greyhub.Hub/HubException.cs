namespace Greyhub.Hub;

/// <summary>What kind of refusal or failure a <see cref="HubException"/> is; the API edge picks the HTTP status from it.</summary>
internal enum HubErrorKind
{
    /// <summary>The request breaks a rule (a bad name, a server already running).</summary>
    Invalid,

    /// <summary>The caller may not do this.</summary>
    Forbidden,

    /// <summary>The thing named does not exist.</summary>
    NotFound,

    /// <summary>The thing to create exists already.</summary>
    Conflict,

    /// <summary>The thing exists but cannot be changed this way (a service defined in configuration).</summary>
    NotModifiable,

    /// <summary>Too much at once; <see cref="HubException.RetryAfter"/> may say when to try again.</summary>
    TooManyRequests,

    /// <summary>The hub tried and failed.</summary>
    Failed,
}

/// <summary>
/// A domain error of the hub's services: a kind and a message for the user, never an HTTP status. Only the edge
/// (<c>Http/HubErrorStatus</c>, used by the API's error middleware and the pages) turns it into a response.
/// An exception rather than a <c>Result&lt;T&gt;</c>: the services already end a request by throwing from deep inside
/// (a spawn's checks, a delete's rules), as the data layer's <c>NotFoundException</c> does; one type mapped in one place
/// keeps every signature and call site as it is.
/// </summary>
internal sealed class HubException(HubErrorKind kind, string message) : Exception(message)
{
    /// <summary>What kind of error this is.</summary>
    public HubErrorKind Kind { get; } = kind;

    /// <summary>When to try again, for <see cref="HubErrorKind.TooManyRequests"/>.</summary>
    public TimeSpan? RetryAfter { get; init; }

    public static HubException Invalid(string message) => new(HubErrorKind.Invalid, message);

    public static HubException Forbidden(string message) => new(HubErrorKind.Forbidden, message);

    public static HubException NotFound(string message) => new(HubErrorKind.NotFound, message);

    public static HubException Conflict(string message) => new(HubErrorKind.Conflict, message);

    public static HubException NotModifiable(string message) => new(HubErrorKind.NotModifiable, message);

    public static HubException TooManyRequests(string message, TimeSpan? retryAfter = null) =>
        new(HubErrorKind.TooManyRequests, message) { RetryAfter = retryAfter };
}
