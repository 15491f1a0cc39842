namespace Greyhub.Scopes;

/// <summary>The outcome of an endpoint's scope check, as JupyterHub answers it.</summary>
public enum ScopeDecision
{
    /// <summary>Go ahead.</summary>
    Allowed,

    /// <summary>
    /// 403 "Action is not authorized with current scopes; requires any of [...]": none of the scopes is held at all.
    /// </summary>
    Forbidden,

    /// <summary>
    /// 404 "No access to resources or resources not found": a scope is held, but its filters exclude the target,
    /// so the answer must not reveal whether the target exists.
    /// </summary>
    NotFound,
}
