using Greyhub.Data.Access.Remote;
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
    string? Format = null,
    string? RemoteHeader = null);

/// <summary>
/// The rules of registering datasets: valid names, locations only under the allowed roots (after resolving symlinks),
/// a known format (detected when not given). Who may call it is the edge's decision (<c>admin:datasets</c>).
/// </summary>
internal sealed class DatasetService(
    DatasetStore store,
    DatasetRegistry registry,
    RemoteCredentials credentials,
    RemoteStores remotes,
    IOptions<DataAccessOptions> options,
    IOptions<HubOptions> hub,
    TimeProvider time)
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
            throw HubException.Invalid("A dataset needs a location: an absolute folder path under an allowed root, or a remote store's URL under an allowed remote prefix.");
        }
        var (location, format) = await PlaceAsync(spec.Location, spec.RemoteHeader, null, spec.Format, cancellationToken);
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
        var (location, format) = (current.Location, current.Format);
        if (spec.Location is not null || spec.RemoteHeader is not null || spec.Format is not null)
        {
            var currentRemote = RemoteLocation.TryParse(current.Location);
            var target = spec.Location ?? currentRemote?.Base.AbsoluteUri ?? current.Location;
            // The credential stays only while the URL does: moving a dataset never sends its header to another address.
            var keep = spec.RemoteHeader is null && currentRemote is not null && RemoteLocation.TryParse(target.EndsWith('/') ? target : target + "/")?.Base == currentRemote.Base
                ? currentRemote.ProtectedHeader
                : null;
            (location, format) = await PlaceAsync(target, spec.RemoteHeader, keep, spec.Format ?? current.Format, cancellationToken);
        }
        var updated = current with
        {
            Title = spec.Title ?? current.Title,
            Description = spec.Description ?? current.Description,
            Owner = spec.Owner is null ? current.Owner : Owner(spec.Owner),
            ReadGroups = spec.ReadGroups is null ? current.ReadGroups : Groups(spec.ReadGroups, "read_groups"),
            WriteGroups = spec.WriteGroups is null ? current.WriteGroups : Groups(spec.WriteGroups, "write_groups"),
            Location = location,
            Format = format,
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

    /// <summary>
    /// What the location column stores for a requested location and its format: a folder under an allowed root, or a
    /// remote store's URL under an allowed remote prefix with its protected header (<paramref name="header"/>: a new
    /// one; empty: none; null: <paramref name="keepProtectedHeader"/>). A remote's format is probed when not given.
    /// </summary>
    private async Task<(string Location, string Format)> PlaceAsync(string location, string? header, string? keepProtectedHeader, string? format, CancellationToken cancellationToken)
    {
        if (!RemoteLocation.IsRemote(location))
        {
            if (!string.IsNullOrEmpty(header))
            {
                throw HubException.Invalid("remote_header applies only to a remote (http or https) location.");
            }
            var real = CheckLocation(location);
            return (real, CheckFormat(format, real));
        }
        var remote = CheckRemote(location, header, keepProtectedHeader);
        if (!string.IsNullOrEmpty(format))
        {
            return (remote.Stored, CheckFormat(format, location));
        }
        try
        {
            return (remote.Stored, await remotes.DetectFormatAsync(remote, cancellationToken));
        }
        catch (Exception e) when (e is HttpRequestException or RemoteStoreException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            throw HubException.Invalid($"The remote store at '{remote.Base}' could not be read to detect its format ({e.Message}); give the format.");
        }
    }

    /// <summary>A remote location: a clean http(s) URL (made to end in <c>/</c>) under an allowed remote prefix.</summary>
    private RemoteLocation CheckRemote(string url, string? header, string? keepProtectedHeader)
    {
        if (RemoteLocation.UrlProblem(url) is { } problem)
        {
            throw HubException.Invalid("The location " + problem);
        }
        var uri = new Uri(url.EndsWith('/') ? url : url + "/");
        var prefixes = options.Value.AllowedRemotes;
        if (!prefixes.Any(prefix => RemoteLocation.IsUnder(uri, new Uri(prefix))))
        {
            var allowed = prefixes.Count == 0 ? "none are configured" : string.Join(", ", prefixes);
            throw HubException.Forbidden($"The location '{url}' is not under an allowed remote prefix ({DataAccessOptions.Section}:AllowedRemotes: {allowed}).");
        }
        var protectedHeader = keepProtectedHeader;
        if (header is { Length: > 0 })
        {
            try
            {
                protectedHeader = credentials.Protect(RemoteCredentials.Parse(header));
            }
            catch (ArgumentException e)
            {
                throw HubException.Invalid(e.Message);
            }
        }
        else if (header is not null)
        {
            protectedHeader = null;
        }
        return new RemoteLocation(uri, protectedHeader);
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
