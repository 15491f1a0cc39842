using System.Globalization;
using Greyhub.Data.Stores;
using Greyhub.Hub.Audit;
using Greyhub.Hub.Login;
using Greyhub.Hub.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using static Greyhub.Hub.Http.Redirects;

namespace Greyhub.Hub.Upstream;

/// <summary>
/// The end of an upstream login, the same for OpenID Connect and plain OAuth2 once the handler has validated the
/// provider's answer: map the claims to a Greyhub user, keep the tokens as <c>auth_state</c> when enabled, and start a
/// login session exactly as the built-in form does, or send the browser to a page saying why not. Failures of the
/// protocol (an upstream error, a bad token, a lost correlation cookie) get a page too, never an exception.
/// </summary>
internal sealed partial class UpstreamLoginFlow(
    UpstreamUsers users,
    UserStore userStore,
    AuthStates authStates,
    AuditLog audit,
    IOptions<UpstreamLoginOptions> upstream,
    IOptions<HubOptions> hub,
    TimeProvider time,
    ILogger<UpstreamLoginFlow> logger)
{
    /// <summary>The item carrying when the login was started (Unix milliseconds), for the round-trip log line.</summary>
    public const string StartedItem = "greyhub.started";

    public async Task CompleteAsync(TicketReceivedContext context)
    {
        var http = context.HttpContext;
        var client = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var provider = UpstreamSchemes.Provider(upstream.Value, context.Scheme.Name)!;
        var result = await users.MapAsync(context.Principal!, provider, http.RequestAborted);
        if (result.Refusal != UpstreamRefusal.None)
        {
            Log.Refused(logger, provider.Name, result.User ?? "(no user name)", result.Refusal, client);
            audit.Record(AuditActions.LoginFailure, AuditActor.Anonymous, result.User, detail: $"{provider.Name}: {result.Refusal}", address: client);
            context.Response.Redirect(UpstreamLoginPages.RefusedPath(provider.Name, result.Refusal switch
            {
                UpstreamRefusal.NoUserName => UpstreamLoginPages.NoUserName,
                UpstreamRefusal.Blocked => UpstreamLoginPages.Blocked,
                _ => UpstreamLoginPages.NotAllowed,
            }));
            context.HandleResponse();
            return;
        }
        var name = result.User!;
        if (provider.EnableAuthState && await userStore.FindAsync(name, http.RequestAborted) is { } user)
        {
            // Written before the session exists: a hub that dies between the two leaves a state and no session, never
            // a session whose tokens were lost.
            var properties = context.Properties ?? new AuthenticationProperties();
            await authStates.SetAsync(user.Id, provider.Name, UpstreamAuthState.From(properties, context.Principal!, time.GetUtcNow()), http.RequestAborted);
        }
        Log.Succeeded(logger, name, provider.Name, client);
        audit.Record(AuditActions.LoginSuccess, AuditActor.User(name), name, detail: provider.Name, address: client);
        await LoginSession.SignInAsync(http, name, userStore, hub.Value, time, upstream: provider.Name);
        if (context.Properties?.Items.TryGetValue(StartedItem, out var started) == true
            && long.TryParse(started, NumberStyles.None, CultureInfo.InvariantCulture, out var startedMs))
        {
            var elapsed = time.GetUtcNow().ToUnixTimeMilliseconds() - startedMs;
            Log.RoundTrip(logger, provider.Name, elapsed);
        }
        context.Response.Redirect(SafeNext(context.ReturnUri, "/hub/home"));
        context.HandleResponse();
    }

    /// <summary>The provider answered <c>access_denied</c>: the refusal page says so.</summary>
    public Task DeniedAsync(AccessDeniedContext context)
    {
        Fail(context.HttpContext, context.Scheme.Name, "the provider answered access_denied", UpstreamLoginPages.Denied);
        context.HandleResponse();
        return Task.CompletedTask;
    }

    /// <summary>The handler could not complete the login (bad state, token, signature...): the refusal page says so.</summary>
    public Task FailedAsync(RemoteFailureContext context)
    {
        Fail(context.HttpContext, context.Scheme.Name, context.Failure?.Message ?? "unknown", UpstreamLoginPages.Failed);
        context.HandleResponse();
        return Task.CompletedTask;
    }

    private void Fail(HttpContext http, string scheme, string reason, string why)
    {
        var provider = UpstreamSchemes.Provider(upstream.Value, scheme)!;
        Log.Failed(logger, provider.Name, http.Connection.RemoteIpAddress?.ToString() ?? "unknown", reason);
        http.Response.Redirect(UpstreamLoginPages.RefusedPath(provider.Name, why));
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = HubEvents.UpstreamLoginSucceeded, Level = LogLevel.Information, Message = "User {User} logged in through {Provider} from {Client}")]
        public static partial void Succeeded(ILogger logger, string user, string provider, string client);

        [LoggerMessage(EventId = HubEvents.UpstreamLoginRefused, Level = LogLevel.Warning, Message = "Login through {Provider} refused for {User} ({Reason}) from {Client}")]
        public static partial void Refused(ILogger logger, string provider, string user, UpstreamRefusal reason, string client);

        [LoggerMessage(EventId = HubEvents.UpstreamLoginFailed, Level = LogLevel.Warning, Message = "Login through {Provider} failed from {Client}: {Reason}")]
        public static partial void Failed(ILogger logger, string provider, string client, string reason);

        [LoggerMessage(EventId = HubEvents.UpstreamLoginTiming, Level = LogLevel.Information, Message = "Login through {Provider}: {Milliseconds} ms from the login click to the session (the time at the provider included)")]
        public static partial void RoundTrip(ILogger logger, string provider, long milliseconds);
    }
}
