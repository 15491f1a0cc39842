namespace Greyhub.Scopes;

/// <summary>Mutable filter sets used while building; an absent or empty set means "no filter of that kind".</summary>
internal sealed class FilterSets
{
    public FilterSets()
    {
    }

    public FilterSets(IReadOnlySet<string>? users, IReadOnlySet<string>? servers, IReadOnlySet<string>? groups, IReadOnlySet<string>? services, IReadOnlySet<string>? datasets = null)
    {
        Users = Copy(users);
        Servers = Copy(servers);
        Groups = Copy(groups);
        Services = Copy(services);
        Datasets = Copy(datasets);
    }

    public HashSet<string>? Users { get; set; }

    public HashSet<string>? Servers { get; set; }

    public HashSet<string>? Groups { get; set; }

    public HashSet<string>? Services { get; set; }

    public HashSet<string>? Datasets { get; set; }

    public bool IsEmpty => Count(Users) + Count(Servers) + Count(Groups) + Count(Services) + Count(Datasets) == 0;

    public HashSet<string>? Get(ScopeFilterKind kind) => kind switch
    {
        ScopeFilterKind.User => Users,
        ScopeFilterKind.Server => Servers,
        ScopeFilterKind.Group => Groups,
        ScopeFilterKind.Dataset => Datasets,
        _ => Services,
    };

    public void Set(ScopeFilterKind kind, HashSet<string>? names)
    {
        switch (kind)
        {
            case ScopeFilterKind.User: Users = names; break;
            case ScopeFilterKind.Server: Servers = names; break;
            case ScopeFilterKind.Group: Groups = names; break;
            case ScopeFilterKind.Dataset: Datasets = names; break;
            default: Services = names; break;
        }
    }

    public void Add(ScopeFilterKind kind, string name)
    {
        var set = Get(kind);
        if (set is null)
        {
            set = new HashSet<string>(StringComparer.Ordinal);
            Set(kind, set);
        }

        set.Add(name);
    }

    private static int Count(HashSet<string>? set) => set?.Count ?? 0;

    private static HashSet<string>? Copy(IReadOnlySet<string>? names) =>
        names is null || names.Count == 0 ? null : new HashSet<string>(names, StringComparer.Ordinal);
}
