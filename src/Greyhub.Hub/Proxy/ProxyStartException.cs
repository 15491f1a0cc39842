namespace Greyhub.Hub.Proxy;

/// <summary>The external proxy could not be started or reached at the hub's start: the hub does not start either.</summary>
public sealed class ProxyStartException : Exception
{
    /// <summary>Creates the exception with what went wrong and what to do about it.</summary>
    public ProxyStartException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception without a message.</summary>
    public ProxyStartException()
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public ProxyStartException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
