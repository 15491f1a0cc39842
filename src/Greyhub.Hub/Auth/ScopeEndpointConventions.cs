using Greyhub.Hub.Auth;
using Microsoft.AspNetCore.Authorization;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Scopes as endpoint metadata: <c>.RequireScope(ScopeTarget.User, "read:users")</c>.</summary>
/// <remarks>
/// The policies name no authentication scheme on purpose: the caller is the one UseAuthentication resolved and the
/// XSRF rule may have demoted to anonymous; a policy with schemes would authenticate again and undo that.
/// </remarks>
internal static class ScopeEndpointConventions
{
    /// <summary>The caller must hold one of <paramref name="anyOf"/> for the resource the route names.</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, ScopeTarget target, params string[] anyOf)
        where TBuilder : IEndpointConventionBuilder
    {
        var requirement = new ScopeRequirement(target, anyOf);
        return builder.WithMetadata(requirement).RequireAuthorization(new AuthorizationPolicyBuilder().AddRequirements(requirement).Build());
    }

    /// <summary>The caller must hold one of <paramref name="anyOf"/> (no resource named: lists and creates).</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, params string[] anyOf)
        where TBuilder : IEndpointConventionBuilder => builder.RequireScope(ScopeTarget.None, anyOf);

    /// <summary>Any authenticated caller; the handler checks scopes that depend on the request itself.</summary>
    public static TBuilder RequireCaller<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(CallerRequirement.Instance)
            .RequireAuthorization(new AuthorizationPolicyBuilder().AddRequirements(CallerRequirement.Instance).Build());

    /// <summary>A user signed in with the login cookie (pages); anyone else is sent to the login page.</summary>
    public static TBuilder RequireSignedIn<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(SignedInRequirement.Instance)
            .RequireAuthorization(new AuthorizationPolicyBuilder().AddRequirements(SignedInRequirement.Instance).Build());
}
