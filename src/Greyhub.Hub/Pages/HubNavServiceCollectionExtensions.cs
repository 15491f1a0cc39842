using Greyhub.Hub.Pages;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers a brick's links in the hub's navigation bar.</summary>
public static class HubNavServiceCollectionExtensions
{
    /// <summary>Adds <paramref name="entry"/> to the navigation bar of every hub page, for users holding its scope.</summary>
    public static IServiceCollection AddHubNavEntry(this IServiceCollection services, HubNavEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentException.ThrowIfNullOrWhiteSpace(entry.Path);
        if (entry.Path.StartsWith('/'))
        {
            throw new ArgumentException($"The navigation path '{entry.Path}' must be relative to the hub's prefix (no leading slash).", nameof(entry));
        }
        services.AddSingleton(entry);
        return services;
    }
}
