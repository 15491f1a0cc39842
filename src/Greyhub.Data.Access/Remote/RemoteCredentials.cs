using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;

namespace Greyhub.Data.Access.Remote;

/// <summary>A request header the hub sends to a remote store (<c>Authorization: Bearer ...</c>, an API key header).</summary>
internal sealed record RemoteHeader(string Name, string Value);

/// <summary>
/// Remote stores' credentials at rest: one header per dataset, encrypted with ASP.NET Core Data Protection under the
/// hub's key ring before it goes into the datasets table, so the database alone never holds a usable credential. It is
/// sent only to the dataset's own URL and never shown by the API nor passed on to readers.
/// </summary>
/// <remarks>
/// The protection provider is the hub's (its key ring in the data folder); the command line's dataset commands run
/// without one, so there a header cannot be set (<see cref="Protect"/> says so) while everything else works.
/// </remarks>
internal sealed class RemoteCredentials(IServiceProvider services)
{
    // Versioned purpose, its own: nothing else protected by the hub can be unprotected as a remote header.
    private IDataProtector? _protector;

    private IDataProtector? Protector => _protector ??= services.GetService<IDataProtectionProvider>()?.CreateProtector("Greyhub.Data.RemoteHeader.v1");

    // Headers the HTTP client owns or that would change how the request is framed or routed.
    private static readonly HashSet<string> Reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Content-Length", "Transfer-Encoding", "Connection", "Upgrade", "TE", "Trailer", "Expect", "Keep-Alive",
        "Proxy-Connection", "Range", "If-Range", "If-None-Match", "If-Modified-Since",
    };

    /// <summary>Parses <c>Name: value</c> as given to the API; throws <see cref="ArgumentException"/> saying what is wrong.</summary>
    public static RemoteHeader Parse(string header)
    {
        var colon = header.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            throw new ArgumentException("remote_header must read 'Name: value', for example 'Authorization: Bearer ...'.");
        }
        var name = header[..colon].Trim();
        var value = header[(colon + 1)..].Trim();
        if (name.Length == 0 || !name.All(IsTokenChar))
        {
            throw new ArgumentException($"remote_header's name '{name}' is not a valid HTTP header name.");
        }
        if (Reserved.Contains(name))
        {
            throw new ArgumentException($"remote_header may not set '{name}'.");
        }
        if (value.Length == 0 || value.Any(c => c is '\r' or '\n' or '\0' || (char.IsControl(c) && c != '\t')))
        {
            throw new ArgumentException("remote_header's value must be non-empty and hold no control characters.");
        }
        return new RemoteHeader(name, value);
    }

    /// <summary>What the location column stores for <paramref name="header"/>.</summary>
    /// <exception cref="ArgumentException">There is no key ring here (the command line).</exception>
    public string Protect(RemoteHeader header) =>
        (Protector ?? throw new ArgumentException("remote_header can be set only through the hub's REST API, whose key ring encrypts it."))
            .Protect(header.Name + "\n" + header.Value);

    /// <summary>The header a stored value holds; null when it can no longer be decrypted (the key ring was lost or replaced).</summary>
    public RemoteHeader? Unprotect(string stored)
    {
        try
        {
            if (Protector is not { } protector)
            {
                return null;
            }
            var plain = protector.Unprotect(stored);
            var newline = plain.IndexOf('\n', StringComparison.Ordinal);
            return newline > 0 ? new RemoteHeader(plain[..newline], plain[(newline + 1)..]) : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }

    private static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal);
}
