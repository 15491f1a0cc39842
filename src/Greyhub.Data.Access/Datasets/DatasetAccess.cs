using Greyhub.Hub.Auth;
using Greyhub.Scopes;

namespace Greyhub.Data.Access.Datasets;

/// <summary>Who may read or administer a dataset: the caller's scopes checked against the dataset as a resource.</summary>
internal static class DatasetAccess
{
    /// <summary>Whether the caller's <c>read:datasets</c> admits the dataset, or its <c>write:datasets</c> (writers read).</summary>
    public static bool CanRead(RequestIdentity caller, DatasetEntry dataset) =>
        caller.Scopes.CanAccess(ScopeDefinitions.ReadDatasets, TargetFor(caller, dataset)) || CanWrite(caller, dataset);

    /// <summary>
    /// Whether the caller's <c>write:datasets</c> admits the dataset, checked against its write groups (and the caller as
    /// the writer when in one of them, so that <c>write:datasets!user=NAME</c> from <c>self</c> admits it).
    /// </summary>
    public static bool CanWrite(RequestIdentity caller, DatasetEntry dataset)
    {
        var groups = dataset.Record.WriteGroups;
        var writer = caller.IsUser && groups.Count > 0 && caller.Groups.Any(groups.Contains) ? caller.Name : null;
        return caller.Scopes.CanAccess(ScopeDefinitions.WriteDatasets, ResourceRef.Dataset(dataset.Record.Name, dataset.Record.Owner, groups, writer));
    }

    /// <summary>Whether the caller's <c>admin:datasets</c> admits the dataset.</summary>
    public static bool CanAdmin(RequestIdentity caller, DatasetEntry dataset) =>
        caller.Scopes.CanAccess(ScopeDefinitions.AdminDatasets, TargetFor(caller, dataset));

    /// <summary>
    /// The dataset as a scope target; when the caller is a user in one of its read groups, naming them as the reader,
    /// so that <c>read:datasets!user=NAME</c> (from <c>self</c>) admits it.
    /// </summary>
    private static ResourceRef TargetFor(RequestIdentity caller, DatasetEntry dataset)
    {
        var groups = dataset.Record.ReadGroups;
        if (caller.IsUser && groups.Count > 0 && caller.Groups.Count > 0)
        {
            foreach (var group in caller.Groups)
            {
                if (groups.Contains(group))
                {
                    return ResourceRef.Dataset(dataset.Record.Name, dataset.Record.Owner, groups, caller.Name);
                }
            }
        }
        return dataset.Target;
    }
}
