using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Greyhub.Data.Access.Serving;

/// <summary>
/// The response body feature for a chunk: ASP.NET's file result still decides status, ranges, entity tags and
/// conditional requests, and then asks the body feature to send the file's bytes. Kestrel's own way (it has no
/// sendfile) opens an asynchronous <see cref="FileStream"/>, whose reads hop to the thread pool on Linux, and copies
/// through a 64 KiB buffer into the response pipe. This reads the page cache synchronously, positionally, straight into
/// the pipe's own memory: one copy less, no extra thread hop, no stream per request.
/// </summary>
internal sealed class DirectFileBody(IHttpResponseBodyFeature inner) : IHttpResponseBodyFeature
{
    private const int Block = 64 * 1024;

    public Stream Stream => inner.Stream;

    public System.IO.Pipelines.PipeWriter Writer => inner.Writer;

    /// <summary>Puts this feature in front of the response's own for the rest of the request.</summary>
    public static void Use(HttpContext context)
    {
        if (context.Features.Get<IHttpResponseBodyFeature>() is { } current and not DirectFileBody)
        {
            context.Features.Set<IHttpResponseBodyFeature>(new DirectFileBody(current));
        }
    }

    public void DisableBuffering() => inner.DisableBuffering();

    public Task StartAsync(CancellationToken cancellationToken = default) => inner.StartAsync(cancellationToken);

    public Task CompleteAsync() => inner.CompleteAsync();

    public async Task SendFileAsync(string path, long offset, long? count, CancellationToken cancellationToken = default)
    {
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var remaining = count ?? (RandomAccess.GetLength(handle) - offset);
        var writer = inner.Writer;
        while (remaining > 0)
        {
            var memory = writer.GetMemory((int)Math.Min(remaining, Block));
            var want = (int)Math.Min(memory.Length, remaining);
            var read = RandomAccess.Read(handle, memory.Span[..want], offset);
            if (read == 0)
            {
                // The file shrank after its length was sent: end the response as broken, never pad it.
                throw new IOException($"'{path}' ended {remaining} bytes early");
            }
            writer.Advance(read);
            offset += read;
            remaining -= read;
            var flushed = await writer.FlushAsync(cancellationToken);
            if (flushed.IsCompleted || flushed.IsCanceled)
            {
                return;
            }
        }
    }
}
