using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Culling;

/// <summary>Checks <see cref="CullerOptions"/> at start-up, reporting every problem.</summary>
internal sealed class CullerOptionsValidator : IValidateOptions<CullerOptions>
{
    public ValidateOptionsResult Validate(string? name, CullerOptions options)
    {
        const string S = CullerOptions.Section;
        var errors = new List<string>();
        if (options.Every <= TimeSpan.Zero)
        {
            errors.Add($"{S}:Every must be positive (got {options.Every}).");
        }
        if (options.Concurrency < 1)
        {
            errors.Add($"{S}:Concurrency must be at least 1 (got {options.Concurrency}).");
        }
        if (options.Timeout < TimeSpan.Zero || options.MaxAge < TimeSpan.Zero)
        {
            errors.Add($"{S}:Timeout and MaxAge must not be negative (0 = no limit; got {options.Timeout} and {options.MaxAge}).");
        }
        foreach (var (group, policy) in options.Groups)
        {
            if (!Names.IsValid(group))
            {
                errors.Add($"{S}:Groups: '{group}' is not a valid group name.");
            }
            if (policy.Timeout < TimeSpan.Zero || policy.MaxAge < TimeSpan.Zero)
            {
                errors.Add($"{S}:Groups:{group}: Timeout and MaxAge must not be negative (0 = no limit).");
            }
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
