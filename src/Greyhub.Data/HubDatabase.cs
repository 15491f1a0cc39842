using Microsoft.Extensions.Options;

namespace Greyhub.Data;

/// <summary>The provider configuration picked, among the registered ones.</summary>
internal sealed class HubDatabase(IEnumerable<IHubDatabaseProvider> providers, IOptions<DatabaseOptions> options)
{
    public IHubDatabaseProvider Provider { get; } = Find(providers, options.Value.Provider)
        ?? throw new InvalidOperationException(DatabaseOptionsValidator.Unknown(options.Value.Provider, providers));

    public static IHubDatabaseProvider? Find(IEnumerable<IHubDatabaseProvider> providers, string name) =>
        providers.FirstOrDefault(p => string.Equals(p.Name, name?.Trim(), StringComparison.OrdinalIgnoreCase));
}
