namespace Greyhub.Plugins.Remote;

/// <summary>A plug-in failed: it names the plug-in, the call and what went wrong, in words for the operator.</summary>
public sealed class PluginException : Exception
{
    /// <summary>Creates the error.</summary>
    public PluginException()
    {
        Plugin = "";
        Kind = PluginFailure.Unknown;
    }

    /// <summary>Creates the error with a message.</summary>
    public PluginException(string message)
        : base(message)
    {
        Plugin = "";
        Kind = PluginFailure.Unknown;
    }

    /// <summary>Creates the error with a message and its cause.</summary>
    public PluginException(string message, Exception innerException)
        : base(message, innerException)
    {
        Plugin = "";
        Kind = PluginFailure.Unknown;
    }

    /// <summary>Creates the error for <paramref name="plugin"/>.</summary>
    public PluginException(string plugin, PluginFailure kind, string message, Exception? innerException = null)
        : base($"Plug-in '{plugin}': {message}", innerException)
    {
        Plugin = plugin;
        Kind = kind;
    }

    /// <summary>The plug-in's configured name.</summary>
    public string Plugin { get; }

    /// <summary>What kind of failure it was.</summary>
    public PluginFailure Kind { get; }
}

/// <summary>How a plug-in failed.</summary>
public enum PluginFailure
{
    /// <summary>Not classified.</summary>
    Unknown,

    /// <summary>Nothing listens at its address (refused, reset, not started yet).</summary>
    Unreachable,

    /// <summary>It did not answer within the call's timeout.</summary>
    Timeout,

    /// <summary>It refused the hub's secret.</summary>
    Unauthorized,

    /// <summary>It answered something that is not the protocol's JSON.</summary>
    MalformedAnswer,

    /// <summary>It speaks no protocol version this hub speaks.</summary>
    ProtocolMismatch,

    /// <summary>It answered with an error of its own (the message says which).</summary>
    PluginError,
}
