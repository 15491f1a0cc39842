namespace Greyhub.Plugins.Remote;

/// <summary>
/// Where a plug-in listens now and the secret it expects. Fixed for a plug-in the operator runs; a managed plug-in's
/// supervisor sets it anew at each start (a fresh port and secret).
/// </summary>
internal sealed class PluginEndpoint(string name)
{
    private volatile Current? _current;

    /// <summary>The plug-in's configured name.</summary>
    public string Name { get; } = name;

    /// <summary>The address and secret in use, or null while a managed plug-in has not started.</summary>
    public Current? Value => _current;

    /// <summary>Points calls at a (re)started plug-in.</summary>
    public void Set(Uri url, string secret) => _current = new Current(url, secret);

    /// <summary>An address with its secret, swapped as one.</summary>
    public sealed record Current(Uri Url, string Secret);
}
