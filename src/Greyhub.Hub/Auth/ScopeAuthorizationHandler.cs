using Greyhub.Data.Stores;
using Greyhub.Scopes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;

namespace Greyhub.Hub.Auth;

/// <summary>Decides <see cref="ScopeRequirement"/>, <see cref="CallerRequirement"/> and <see cref="SignedInRequirement"/> for the hub's endpoints.</summary>
internal sealed class ScopeAuthorizationHandler(UserStore users) : IAuthorizationHandler
{
    public async Task HandleAsync(AuthorizationHandlerContext context)
    {
        var caller = (context.User.Identity as HubIdentity)?.Caller;
        var http = context.Resource as HttpContext;
        foreach (var requirement in context.PendingRequirements.ToList())
        {
            switch (requirement)
            {
                case CallerRequirement when caller is not null:
                    context.Succeed(requirement);
                    break;
                case SignedInRequirement when caller is { IsUser: true, ViaCookie: true }:
                    context.Succeed(requirement);
                    break;
                case ScopeRequirement scope when caller is not null && http is not null:
                    var target = await TargetAsync(scope, caller, http);
                    var anyOf = scope.AnyOf.ToArray();
                    switch (caller.Scopes.Check(target, anyOf))
                    {
                        case ScopeDecision.Allowed:
                            context.Succeed(requirement);
                            break;
                        case ScopeDecision.NotFound:
                            http.Features.Set(new ScopeRefusal(404, NotFoundMessage(target!.Value)));
                            break;
                        default:
                            http.Features.Set(new ScopeRefusal(403, $"Action is not authorized with current scopes; requires any of [{string.Join(", ", anyOf)}]"));
                            break;
                    }
                    break;
            }
        }
    }

    /// <summary>The resource the route names; a user's groups are looked up only when a held scope filters by group.</summary>
    private async Task<ResourceRef?> TargetAsync(ScopeRequirement scope, RequestIdentity caller, HttpContext http)
    {
        var name = http.Request.RouteValues["name"] as string ?? "";
        switch (scope.Target)
        {
            case ScopeTarget.User or ScopeTarget.Server:
                IReadOnlyList<string> groups = [];
                if (scope.AnyOf.Any(s => caller.Scopes.FilterFor(s).HasGroupFilters))
                {
                    groups = await users.GroupsOfAsync(name, http.RequestAborted);
                }
                return scope.Target == ScopeTarget.User
                    ? ResourceRef.User(name, groups)
                    : ResourceRef.Server(name, http.Request.RouteValues["serverName"] as string ?? "", groups);
            case ScopeTarget.Group:
                return ResourceRef.Group(name);
            case ScopeTarget.Service:
                return ResourceRef.Service(name);
            default:
                return null;
        }
    }

    /// <summary>The 404 message for a resource hidden by a filter (the same as for one that does not exist).</summary>
    public static string NotFoundMessage(ResourceRef target) => target.Kind switch
    {
        ScopeFilterKind.User => $"No such user: {target.Name}",
        ScopeFilterKind.Group => $"No such group: {target.Name}",
        ScopeFilterKind.Service => $"No such service: {target.Name}",
        _ => $"No such server: {target}",
    };
}
