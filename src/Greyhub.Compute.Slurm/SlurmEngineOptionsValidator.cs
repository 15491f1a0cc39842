using Microsoft.Extensions.Options;

namespace Greyhub.Compute.Slurm;

/// <summary>Reports every problem of <see cref="SlurmEngineOptions"/> at start-up.</summary>
internal sealed class SlurmEngineOptionsValidator : IValidateOptions<SlurmEngineOptions>
{
    public ValidateOptionsResult Validate(string? name, SlurmEngineOptions options)
    {
        var problems = Problems(options).ToList();
        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    public static IEnumerable<string> Problems(SlurmEngineOptions o)
    {
        const string S = SlurmEngineOptions.Section;
        if (!Path.IsPathRooted(o.JobsDirectory))
        {
            yield return $"{S}:JobsDirectory must be an absolute path shared by the hub and the compute nodes.";
        }
        else if (!BatchScript.IsPlainValue(o.JobsDirectory.Replace("/", "", StringComparison.Ordinal)))
        {
            yield return $"{S}:JobsDirectory '{o.JobsDirectory}' may hold only letters, digits, '/' and -_.,:+@ (it appears in #SBATCH lines).";
        }
        if (string.IsNullOrWhiteSpace(o.BindHost))
        {
            yield return $"{S}:BindHost must name an address (0.0.0.0 for all interfaces).";
        }
        if (string.IsNullOrWhiteSpace(o.PortCommand))
        {
            yield return $"{S}:PortCommand must be a shell command that prints a free port.";
        }
        foreach (var problem in BatchScript.DirectiveProblems(o.ExtraDirectives ?? []))
        {
            yield return $"{S}:ExtraDirectives: {problem}";
        }
        foreach (var (value, key) in new[] { (o.Partition, "Partition"), (o.Account, "Account"), (o.Qos, "Qos") })
        {
            if (value is not null && !BatchScript.IsPlainValue(value))
            {
                yield return $"{S}:{key} '{value}' may hold only letters, digits and -_.,:+@";
            }
        }
        if (o.ControllerRetryTimeout < TimeSpan.Zero)
        {
            yield return $"{S}:ControllerRetryTimeout must not be negative.";
        }
        if (o.CommandTimeout <= TimeSpan.Zero || o.StopPollInterval <= TimeSpan.Zero)
        {
            yield return $"{S}: CommandTimeout and StopPollInterval must be positive.";
        }
        if (o.Transport == SlurmTransport.Rest)
        {
            if (o.Rest.Url is not { IsAbsoluteUri: true } url || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                yield return $"{S}:Rest:Url must be slurmrestd's absolute http(s) URL.";
            }
            var sources = new[] { o.Rest.Token, o.Rest.TokenFile, o.Rest.JwtKeyFile }.Count(s => !string.IsNullOrEmpty(s));
            if (sources != 1)
            {
                yield return $"{S}:Rest: set exactly one of Token, TokenFile or JwtKeyFile (found {sources}).";
            }
            if (string.IsNullOrWhiteSpace(o.Rest.UserName))
            {
                yield return $"{S}:Rest:UserName must name the Slurm user the hub acts as.";
            }
            if (o.Rest.TokenLifetime < TimeSpan.FromMinutes(1))
            {
                yield return $"{S}:Rest:TokenLifetime must be at least a minute.";
            }
            if (o.RunAsUserLabel is not null && string.IsNullOrEmpty(o.Rest.JwtKeyFile))
            {
                yield return $"{S}:RunAsUserLabel with the rest transport needs Rest:JwtKeyFile (to mint each user's token).";
            }
        }
    }
}
