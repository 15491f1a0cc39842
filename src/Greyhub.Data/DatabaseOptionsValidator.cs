using Microsoft.Extensions.Options;

namespace Greyhub.Data;

/// <summary>Checks that <see cref="DatabaseOptions.Provider"/> names a registered provider; each provider checks the rest.</summary>
internal sealed class DatabaseOptionsValidator(IEnumerable<IHubDatabaseProvider> providers) : IValidateOptions<DatabaseOptions>
{
    public ValidateOptionsResult Validate(string? name, DatabaseOptions options) =>
        HubDatabase.Find(providers, options.Provider) is null
            ? ValidateOptionsResult.Fail(Unknown(options.Provider, providers))
            : ValidateOptionsResult.Success;

    public static string Unknown(string? provider, IEnumerable<IHubDatabaseProvider> providers)
    {
        var names = providers.Select(p => p.Name).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal).ToList();
        return names.Count == 0
            ? "No database provider is registered; add one: AddGreyhub().UseSqlite() or .UsePostgres()."
            : $"{DatabaseOptions.Section}:Provider '{provider}' is unknown; choose one of: {string.Join(", ", names)}.";
    }
}
