using Greyhub.Data.Stores;
using Greyhub.Hub;
using Microsoft.Extensions.Options;

namespace Greyhub.Data.Access.Datasets;

/// <summary>What a register or update request says; null fields are left as they are (or defaulted on register).</summary>
internal sealed record DatasetSpec(
    string? Title = null,
    string? Description = null,
    string? Owner = null,
    IReadOnlyList<string>? ReadGroups = null,
    IReadOnlyList<string>? WriteGroups = null,
    string? Location = null,
    string? Format = null);

/// <summary>
/// The rules of registering datasets: valid names, locations only under the allowed roots (after resolving symlinks),
/// a known format (detected when not given). Who may call it is the edge's decision (<c>admin:datasets</c>).
/// </summary>
internal sealed class DatasetService(DatasetStore store, DatasetRegistry registry, IOptions<DataAccessOptions> options, IOptions<HubOptions> hub, TimeProvider time)
{
    /// <summary>Every dataset, by name, fresh from the database.</summary>
    public Task<IReadOnlyList<DatasetRecord>> ListAsync(CancellationToken cancellationToken) => store.ListAsync(cancellationToken);

    /// <summary>One dataset, or null.</summary>
    public Task<DatasetRecord?> FindAsync(string name, CancellationToken cancellationToken) => store.FindAsync(name, cancellationToken);

    /// <summary>The folders datasets may live in: the configured ones, or the data folder's <c>datasets</c>.</summary>
    public IReadOnlyList<string> AllowedRoots =>
        options.Value.AllowedRoots.Count > 0 ? options.Value.AllowedRoots : [Path.Combine(hub.Value.DataDir, "datasets")];

    /// <summary>Registers a dataset.</summary>
    /// <exception cref="HubException">Invalid (name, location, format, groups) or a conflict (the name is taken).</exception>
    public async Task<DatasetRecord> AddAsync(string name, DatasetSpec spec, string? defaultOwner, CancellationToken cancellationToken)
    {
        if (DatasetFormats.NameProblem(name) is { } problem)
        {
            throw HubException.Invalid(problem);
        }
        if (string.IsNullOrWhiteSpace(spec.Location))
        {
            throw HubException.Invalid("A dataset needs a location: an absolute folder path under an allowed root.");
        }
        var location = CheckLocation(spec.Location);
        var format = CheckFormat(spec.Format, location);
        var now = time.GetUtcNow().UtcDateTime;
        var record = new DatasetRecord(
            name,
            spec.Title ?? "",
            spec.Description ?? "",
            Owner(spec.Owner ?? defaultOwner),
            Groups(spec.ReadGroups, "read_groups"),
            Groups(spec.WriteGroups, "write_groups"),
            location,
            format,
            now,
            now);
        try
        {
            await store.AddAsync(record, cancellationToken);
        }
        catch (ConflictException)
        {
            throw HubException.Conflict($"Dataset {name} already exists");
        }
        registry.Invalidate();
        return record;
    }

    /// <summary>Changes the fields <paramref name="spec"/> names.</summary>
    /// <exception cref="HubException">Not found, or invalid.</exception>
    public async Task<DatasetRecord> UpdateAsync(string name, DatasetSpec spec, CancellationToken cancellationToken)
    {
        var current = await store.FindAsync(name, cancellationToken) ?? throw HubException.NotFound($"No such dataset: {name}");
        var location = spec.Location is null ? current.Location : CheckLocation(spec.Location);
        var updated = current with
        {
            Title = spec.Title ?? current.Title,
            Description = spec.Description ?? current.Description,
            Owner = spec.Owner is null ? current.Owner : Owner(spec.Owner),
            ReadGroups = spec.ReadGroups is null ? current.ReadGroups : Groups(spec.ReadGroups, "read_groups"),
            WriteGroups = spec.WriteGroups is null ? current.WriteGroups : Groups(spec.WriteGroups, "write_groups"),
            Location = location,
            Format = spec.Format is null && spec.Location is null ? current.Format : CheckFormat(spec.Format ?? current.Format, location),
            Modified = time.GetUtcNow().UtcDateTime,
        };
        if (!await store.UpdateAsync(updated, cancellationToken))
        {
            throw HubException.NotFound($"No such dataset: {name}");
        }
        registry.Invalidate();
        return updated;
    }

    /// <summary>Forgets a dataset (its files stay where they are).</summary>
    /// <exception cref="HubException">Not found.</exception>
    public async Task RemoveAsync(string name, CancellationToken cancellationToken)
    {
        if (!await store.RemoveAsync(name, cancellationToken))
        {
            throw HubException.NotFound($"No such dataset: {name}");
        }
        registry.Invalidate();
    }

    /// <summary>The canonical folder of <paramref name="location"/>, if it is an existing folder under an allowed root.</summary>
    private string CheckLocation(string location)
    {
        if (!Path.IsPathFullyQualified(location))
        {
            throw HubException.Invalid($"The location '{location}' is not an absolute path.");
        }
        var real = RealPath.Resolve(location);
        if (real is null || !Directory.Exists(real))
        {
            throw HubException.Invalid($"The location '{location}' is not an existing folder.");
        }
        var roots = AllowedRoots.Select(RealPath.Resolve).OfType<string>().ToList();
        if (!roots.Any(root => RealPath.IsWithin(real, root)))
        {
            throw HubException.Forbidden($"The location '{location}' is outside the allowed roots ({DataAccessOptions.Section}:AllowedRoots: {string.Join(", ", AllowedRoots)}).");
        }
        return real;
    }

    private static string CheckFormat(string? format, string location)
    {
        if (format is null or "")
        {
            return DatasetFormats.Detect(location);
        }
        return DatasetFormats.All.Contains(format)
            ? format
            : throw HubException.Invalid($"Unknown dataset format '{format}'; use one of: {string.Join(", ", DatasetFormats.All)}.");
    }

    private static string? Owner(string? owner) =>
        owner is null or "" ? null
        : Names.IsValid(owner) ? Names.NormalizeUser(owner)
        : throw HubException.Invalid($"Invalid owner name '{owner}'.");

    private static IReadOnlyList<string> Groups(IReadOnlyList<string>? groups, string field)
    {
        if (groups is null)
        {
            return [];
        }
        foreach (var group in groups)
        {
            if (group is null || !Names.IsValid(group))
            {
                throw HubException.Invalid($"Invalid group name '{group}' in {field}.");
            }
        }
        return [.. groups.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }
}
