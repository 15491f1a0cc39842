using System.Text;
using System.Text.Json;
using Docker.DotNet;
using Docker.DotNet.Models;

namespace Greyhub.Compute.Containers;

/// <summary>
/// A container's output: read live through the log API (Docker's multiplexed stream, stdout and stderr in the order
/// written), and kept as a file with an exit record when Greyhub removes the container.
/// </summary>
internal static class ContainerLogs
{
    /// <summary>The last <paramref name="maxBytes"/> of the container's combined output.</summary>
    public static async Task<byte[]> ReadTailAsync(IDockerClient docker, string id, int maxBytes, CancellationToken cancellationToken)
    {
        var parameters = new ContainerLogsParameters { ShowStdout = true, ShowStderr = true, Follow = false };
        using var stream = await docker.Containers.GetContainerLogsAsync(id, tty: false, parameters, cancellationToken);
        var tail = new TailBuffer(Math.Max(0, maxBytes));
        var buffer = new byte[81920];
        while (true)
        {
            var read = await stream.ReadOutputAsync(buffer, 0, buffer.Length, cancellationToken);
            if (read.EOF)
            {
                return tail.ToArray();
            }
            tail.Append(buffer.AsSpan(0, read.Count));
        }
    }

    /// <summary>Saves the log tail and how the container ended, before it is removed.</summary>
    public static async Task SaveAsync(ContainerJobState state, byte[] log, ContainerExitRecord exit, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(state.LogPath)!);
        await File.WriteAllBytesAsync(state.LogPath, log, cancellationToken);
        await File.WriteAllTextAsync(ExitPath(state), JsonSerializer.Serialize(exit, ContainerJson.Default.ContainerExitRecord), cancellationToken);
    }

    /// <summary>The saved log's last <paramref name="maxBytes"/>, or empty when none was saved.</summary>
    public static async Task<string> ReadSavedAsync(ContainerJobState state, int maxBytes, CancellationToken cancellationToken)
    {
        if (!File.Exists(state.LogPath))
        {
            return "";
        }
        await using var stream = new FileStream(state.LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var take = (int)Math.Min(stream.Length, Math.Max(0, maxBytes));
        stream.Seek(stream.Length - take, SeekOrigin.Begin);
        var buffer = new byte[take];
        await stream.ReadExactlyAsync(buffer, cancellationToken);
        return Encoding.UTF8.GetString(buffer);
    }

    /// <summary>How a container that Greyhub removed had ended, or null when Greyhub did not remove it.</summary>
    public static ContainerExitRecord? ReadExit(ContainerJobState state)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(ExitPath(state)), ContainerJson.Default.ContainerExitRecord);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return null;
        }
    }

    private static string ExitPath(ContainerJobState state) => Path.ChangeExtension(state.LogPath, ".exit.json");

    /// <summary>Keeps the last <c>capacity</c> bytes appended.</summary>
    private sealed class TailBuffer(int capacity)
    {
        private readonly byte[] _ring = new byte[capacity];
        private long _written;

        public void Append(ReadOnlySpan<byte> data)
        {
            if (capacity == 0)
            {
                return;
            }
            if (data.Length > capacity)
            {
                _written += data.Length - capacity;
                data = data[^capacity..];
            }
            var at = (int)(_written % capacity);
            var first = Math.Min(data.Length, capacity - at);
            data[..first].CopyTo(_ring.AsSpan(at));
            data[first..].CopyTo(_ring);
            _written += data.Length;
        }

        public byte[] ToArray()
        {
            if (_written <= capacity)
            {
                return _ring[..(int)_written];
            }
            var at = (int)(_written % capacity);
            return [.. _ring[at..], .. _ring[..at]];
        }
    }
}
