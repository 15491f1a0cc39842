using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Greyhub.Plugins.Remote;

/// <summary>Calls whose answer is a stream of JSON lines (1.3: a spawner's progress as one call).</summary>
internal sealed partial class PluginClient
{
    /// <summary>The longest line a streamed answer may send; a longer one is a malformed answer, not a reason to buffer more.</summary>
    public const int MaxLine = 1024 * 1024;

    /// <summary>
    /// Sends a call whose answer is JSON lines (<c>application/x-ndjson</c>) and yields each line as it comes. The
    /// plug-in must send a line at least every <paramref name="idle"/> (its heartbeat) and keep each under
    /// <see cref="MaxLine"/>. Not retried: a stream that fails throws a <see cref="PluginException"/>, and the caller
    /// picks up where it was (with a call that may be retried).
    /// </summary>
    public async IAsyncEnumerable<TLine> StreamAsync<TRequest, TLine>(
        string path, TRequest request, JsonTypeInfo<TRequest> requestType, JsonTypeInfo<TLine> lineType, TimeSpan idle,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await HandshakeAsync(fresh: false, cancellationToken);
        var current = Current();
        using var silence = new CancellationTokenSource(idle, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(silence.Token, cancellationToken);
        using var message = NewRequest(HttpMethod.Post, path, current, JsonContent(request, requestType));
        using var response = await OpenAsync(message, path, current, idle, linked.Token, cancellationToken);
        var reader = PipeReader.Create(await response.Content.ReadAsStreamAsync(linked.Token));
        try
        {
            var lines = new List<TLine>();
            var ended = false;
            while (!ended)
            {
                silence.CancelAfter(idle);
                ended = await ReadLinesAsync(reader, path, lineType, lines, idle, linked.Token, cancellationToken);
                foreach (var line in lines)
                {
                    yield return line;
                }
                lines.Clear();
            }
        }
        finally
        {
            await reader.CompleteAsync();
        }
    }

    private async Task<HttpResponseMessage> OpenAsync(
        HttpRequestMessage message, string path, PluginEndpoint.Current current, TimeSpan idle, CancellationToken linked, CancellationToken cancellationToken)
    {
        HttpResponseMessage? response = null;
        try
        {
            response = await clients.CreateClient(HttpClientName).SendAsync(message, HttpCompletionOption.ResponseHeadersRead, linked);
            if (response.IsSuccessStatusCode)
            {
                return response;
            }
            var body = await response.Content.ReadAsStringAsync(linked);
            throw Refusal(HttpMethod.Post, path, response.StatusCode, body)!;
        }
        catch (Exception e) when (e is not PluginException)
        {
            response?.Dispose();
            throw Failure(e, path, current, idle, cancellationToken);
        }
        catch
        {
            response?.Dispose();
            throw;
        }
    }

    /// <summary>Reads what has come, parsing each whole line into <paramref name="lines"/>; true once the stream has ended.</summary>
    private async Task<bool> ReadLinesAsync<TLine>(
        PipeReader reader, string path, JsonTypeInfo<TLine> lineType, List<TLine> lines, TimeSpan idle, CancellationToken linked, CancellationToken cancellationToken)
    {
        ReadResult result;
        try
        {
            result = await reader.ReadAsync(linked);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException)
        {
            throw Failure(e, path, endpoint.Value, idle, cancellationToken);
        }
        var buffer = result.Buffer;
        try
        {
            while (buffer.PositionOf((byte)'\n') is { } end)
            {
                Parse(buffer.Slice(0, end), path, lineType, lines);
                buffer = buffer.Slice(buffer.GetPosition(1, end));
            }
            if (buffer.Length > MaxLine)
            {
                throw new PluginException(Name, PluginFailure.MalformedAnswer, $"answered POST /{path} with a line longer than {MaxLine} bytes.");
            }
            if (result.IsCompleted)
            {
                // The last line may lack its newline.
                Parse(buffer, path, lineType, lines);
                buffer = buffer.Slice(buffer.End);
            }
            return result.IsCompleted;
        }
        finally
        {
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private void Parse<TLine>(ReadOnlySequence<byte> line, string path, JsonTypeInfo<TLine> lineType, List<TLine> lines)
    {
        if (line.Length > MaxLine)
        {
            throw new PluginException(Name, PluginFailure.MalformedAnswer, $"answered POST /{path} with a line longer than {MaxLine} bytes.");
        }
        var text = line.IsSingleSegment ? line.FirstSpan : line.ToArray();
        if (text.Trim(" \t\r"u8).IsEmpty)
        {
            return;
        }
        try
        {
            lines.Add(JsonSerializer.Deserialize(text, lineType) ?? throw new JsonException("a line is JSON null"));
        }
        catch (JsonException e)
        {
            throw new PluginException(Name, PluginFailure.MalformedAnswer,
                $"answered POST /{path} with malformed JSON ({e.Message}): {Excerpt(Encoding.UTF8.GetString(text[..Math.Min(text.Length, 400)]))}", e);
        }
    }

    private PluginException Failure(Exception e, string path, PluginEndpoint.Current? current, TimeSpan idle, CancellationToken cancellationToken) => e switch
    {
        OperationCanceledException when cancellationToken.IsCancellationRequested => throw e,
        OperationCanceledException => new PluginException(Name, PluginFailure.Timeout,
            $"sent nothing on POST /{path} for {idle.TotalSeconds:0.###} s (at {current?.Url}).", e),
        HttpRequestException h => new PluginException(Name, PluginFailure.Unreachable, $"could not be reached for POST /{path} at {current?.Url}: {Why(h)}.", e),
        _ => new PluginException(Name, PluginFailure.Unreachable, $"broke its answer to POST /{path} at {current?.Url}: {e.Message}.", e),
    };
}
