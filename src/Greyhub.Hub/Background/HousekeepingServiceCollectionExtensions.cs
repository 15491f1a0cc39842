using Greyhub.Hub.Background;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the housekeeping lease.</summary>
internal static class HousekeepingServiceCollectionExtensions
{
    /// <summary>
    /// The housekeeping lease (<c>Greyhub:Housekeeping</c>, validated at start-up) and its renewal as a hosted service:
    /// jobs only one hub may run ask <see cref="HousekeepingLease.TryHoldAsync"/> before each run.
    /// </summary>
    public static IServiceCollection AddHousekeepingLease(this IServiceCollection services)
    {
        services.AddOptions<HousekeepingOptions>().BindConfiguration(HousekeepingOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<HousekeepingOptions>, HousekeepingOptionsValidator>();
        services.AddSingleton<HousekeepingLease>();
        services.AddHostedServiceAfterStart<HousekeepingLeaseService>();
        return services;
    }
}
