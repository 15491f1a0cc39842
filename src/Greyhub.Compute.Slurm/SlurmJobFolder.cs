using System.Globalization;
using System.Text;

namespace Greyhub.Compute.Slurm;

/// <summary>
/// A job's folder in the shared jobs directory: <c>job.sh</c>, <c>output.log</c>, <c>endpoint</c> (<c>host port</c>,
/// written by the job on its node or by the batchspawner callback) and <c>stop-requested</c> (written by a stop, so the
/// end is reported as Greyhub's stop rather than an outside cancel).
/// </summary>
internal sealed record SlurmJobFolder(string Path)
{
    public string ScriptPath => System.IO.Path.Combine(Path, "job.sh");

    public string LogPath => System.IO.Path.Combine(Path, "output.log");

    public string EndpointPath => System.IO.Path.Combine(Path, "endpoint");

    public string StopMarkerPath => System.IO.Path.Combine(Path, "stop-requested");

    /// <summary>The recorded endpoint, or null while there is none (or it is unreadable).</summary>
    public async Task<(string? Host, int Port)?> ReadEndpointAsync(CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = await File.ReadAllTextAsync(EndpointPath, cancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        var parts = text.Split([' ', '\n', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length != 2 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            return null;
        }
        return (parts[0] == "-" ? null : parts[0], port);
    }

    /// <summary>Writes the endpoint atomically (same record the batch script writes); a null host means "the job's node".</summary>
    public async Task WriteEndpointAsync(string? host, int port, CancellationToken cancellationToken)
    {
        var temp = EndpointPath + ".tmp." + Guid.NewGuid().ToString("N");
        var line = string.Create(CultureInfo.InvariantCulture, $"{(string.IsNullOrWhiteSpace(host) ? "-" : host.Trim())} {port}\n");
        await File.WriteAllTextAsync(temp, line, Encoding.ASCII, cancellationToken);
        File.Move(temp, EndpointPath, overwrite: true);
    }

    /// <summary>The last <paramref name="maxBytes"/> of the job's output.</summary>
    public async Task<string> ReadLogTailAsync(int maxBytes, CancellationToken cancellationToken)
    {
        if (!File.Exists(LogPath))
        {
            return "";
        }
        await using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var length = stream.Length;
        var take = (int)Math.Min(length, Math.Max(0, maxBytes));
        stream.Seek(length - take, SeekOrigin.Begin);
        var buffer = new byte[take];
        await stream.ReadExactlyAsync(buffer, cancellationToken);
        return Encoding.UTF8.GetString(buffer);
    }
}
