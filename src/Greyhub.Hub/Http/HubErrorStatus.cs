namespace Greyhub.Hub.Http;

/// <summary>The one mapping of the services' domain errors to HTTP statuses, for the API and the pages.</summary>
internal static class HubErrorStatus
{
    public static int Of(HubErrorKind kind) => kind switch
    {
        HubErrorKind.Invalid => 400,
        HubErrorKind.Forbidden => 403,
        HubErrorKind.NotFound => 404,
        HubErrorKind.Conflict => 409,
        HubErrorKind.NotModifiable => 405,
        HubErrorKind.TooManyRequests => 429,
        _ => 500,
    };
}
