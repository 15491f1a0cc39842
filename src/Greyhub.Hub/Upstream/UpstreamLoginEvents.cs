using Greyhub.Data.Stores;
using Greyhub.Hub.Audit;
using Greyhub.Hub.Login;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using static Greyhub.Hub.Http.Redirects;

namespace Greyhub.Hub.Upstream;

/// <summary>
/// After the OpenID Connect handler has validated the provider's answer: map the claims to a Greyhub user and start a
/// login session exactly as the built-in form does, or send the browser to a page saying why not. Failures of the
/// protocol (an upstream error, a bad token, a lost correlation cookie) get a page too, never an exception.
/// </summary>
internal sealed partial class UpstreamLoginEvents(
    UpstreamUsers users, IOptions<UpstreamLoginOptions> upstream, IOptions<HubOptions> hub, TimeProvider time, ILogger<UpstreamLoginEvents> logger)
    : OpenIdConnectEvents
{
    public override async Task TicketReceived(TicketReceivedContext context)
    {
        var http = context.HttpContext;
        var client = http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var provider = UpstreamSchemes.Provider(upstream.Value, context.Scheme.Name)!;
        var result = await users.MapAsync(context.Principal!, provider, http.RequestAborted);
        if (result.Refusal != UpstreamRefusal.None)
        {
            Log.Refused(logger, provider.Name, result.User ?? "(no user name)", result.Refusal, client);
            http.RequestServices.GetRequiredService<AuditLog>().Record(AuditActions.LoginFailure, AuditActor.Anonymous, result.User,
                detail: $"{provider.Name}: {result.Refusal}", address: client);
            context.Response.Redirect(UpstreamLoginPages.RefusedPath(provider.Name, result.Refusal switch
            {
                UpstreamRefusal.NoUserName => UpstreamLoginPages.NoUserName,
                UpstreamRefusal.Blocked => UpstreamLoginPages.Blocked,
                _ => UpstreamLoginPages.NotAllowed,
            }));
            context.HandleResponse();
            return;
        }
        Log.Succeeded(logger, result.User!, provider.Name, client);
        http.RequestServices.GetRequiredService<AuditLog>().Record(AuditActions.LoginSuccess, AuditActor.User(result.User!), result.User, detail: provider.Name, address: client);
        await LoginSession.SignInAsync(http, result.User!, http.RequestServices.GetRequiredService<UserStore>(), hub.Value, time);
        context.Response.Redirect(SafeNext(context.ReturnUri, "/hub/home"));
        context.HandleResponse();
    }

    public override Task AccessDenied(AccessDeniedContext context)
    {
        Fail(context.HttpContext, context.Scheme.Name, "the provider answered access_denied", UpstreamLoginPages.Denied);
        context.HandleResponse();
        return Task.CompletedTask;
    }

    public override Task RemoteFailure(RemoteFailureContext context)
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
}
