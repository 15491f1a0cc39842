using Microsoft.Extensions.Options;

namespace Greyhub.Hub.Audit;

/// <summary>Checks <see cref="AuditOptions"/> at start-up, reporting every problem.</summary>
internal sealed class AuditOptionsValidator : IValidateOptions<AuditOptions>
{
    public ValidateOptionsResult Validate(string? name, AuditOptions options)
    {
        var errors = new List<string>();
        if (options.Retention <= TimeSpan.Zero)
        {
            errors.Add($"{AuditOptions.Section}:Retention must be positive (got {options.Retention}).");
        }
        if (options.PruneInterval <= TimeSpan.Zero)
        {
            errors.Add($"{AuditOptions.Section}:PruneInterval must be positive (got {options.PruneInterval}).");
        }
        if (options.QueueCapacity < 1)
        {
            errors.Add($"{AuditOptions.Section}:QueueCapacity must be at least 1 (got {options.QueueCapacity}).");
        }
        if (options.BatchSize < 1)
        {
            errors.Add($"{AuditOptions.Section}:BatchSize must be at least 1 (got {options.BatchSize}).");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
