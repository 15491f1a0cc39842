namespace Greyhub.Compute.Local;

/// <summary>Options of the local engine (<c>Greyhub:Compute:Local</c>).</summary>
public sealed class LocalEngineOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Greyhub:Compute:Local";

    /// <summary>Where job logs go (and jobs run, when they name no working folder).</summary>
    public string JobsDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "greyhub-jobs");

    /// <summary>Interface that jobs bind to and the hub connects to.</summary>
    public string Host { get; set; } = "127.0.0.1";
}
