using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Background;

/// <summary>Checks <see cref="HousekeepingOptions"/> at start-up, reporting every problem.</summary>
internal sealed class HousekeepingOptionsValidator : IValidateOptions<HousekeepingOptions>
{
    public ValidateOptionsResult Validate(string? name, HousekeepingOptions options)
    {
        var errors = new List<string>();
        if (options.LeaseDuration <= TimeSpan.Zero)
        {
            errors.Add($"{HousekeepingOptions.Section}:LeaseDuration must be positive (got {options.LeaseDuration}).");
        }
        // A renewal that may come late must still come before the lease runs out.
        if (options.RenewInterval <= TimeSpan.Zero || options.RenewInterval * 2 > options.LeaseDuration)
        {
            errors.Add($"{HousekeepingOptions.Section}:RenewInterval must be positive and at most half of LeaseDuration (got {options.RenewInterval} for {options.LeaseDuration}).");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
