namespace Greyhub.Scopes;

/// <summary>Custom scopes or roles from configuration are invalid; <see cref="Errors"/> lists every problem.</summary>
public sealed class ScopeConfigurationException : Exception
{
    /// <summary>Creates the exception with no listed errors.</summary>
    public ScopeConfigurationException()
        : this("Invalid scope configuration", [])
    {
    }

    /// <summary>Creates the exception with one error.</summary>
    /// <param name="message">The error.</param>
    public ScopeConfigurationException(string message)
        : this(message, [message])
    {
    }

    /// <summary>Creates the exception wrapping another.</summary>
    /// <param name="message">The error.</param>
    /// <param name="innerException">The cause.</param>
    public ScopeConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Errors = [message];
    }

    /// <summary>Creates the exception listing every problem.</summary>
    /// <param name="summary">What was being validated.</param>
    /// <param name="errors">Every problem found.</param>
    public ScopeConfigurationException(string summary, IReadOnlyList<string> errors)
        : base(errors.Count == 0 ? summary : summary + ":" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => " - " + e)))
    {
        Errors = errors;
    }

    /// <summary>Every problem found.</summary>
    public IReadOnlyList<string> Errors { get; }
}

/// <summary>A scope name is not defined (neither built-in nor custom).</summary>
public sealed class UnknownScopeException : KeyNotFoundException
{
    /// <summary>Creates the exception.</summary>
    public UnknownScopeException()
    {
        Scope = "";
    }

    /// <summary>Creates the exception for a scope.</summary>
    /// <param name="scope">The unknown scope.</param>
    public UnknownScopeException(string scope)
        : base($"Scope '{scope}' does not exist.")
    {
        Scope = scope;
    }

    /// <summary>Creates the exception wrapping another.</summary>
    /// <param name="message">The message.</param>
    /// <param name="innerException">The cause.</param>
    public UnknownScopeException(string message, Exception innerException)
        : base(message, innerException)
    {
        Scope = "";
    }

    /// <summary>The unknown scope.</summary>
    public string Scope { get; }
}
