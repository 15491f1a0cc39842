using System.Net;
using System.Text.RegularExpressions;
using Greyhub.Testing;

namespace Greyhub.Zarr.Tests;

/// <summary>A tiny static file server on 127.0.0.1 with HEAD and single byte ranges (python's http.server has no Range).</summary>
internal sealed partial class RangeFileServer : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly string _root;
    private readonly Task _loop;

    public RangeFileServer(string root)
    {
        _root = Path.GetFullPath(root);
        var port = FreePort.Next();
        BaseUri = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(BaseUri.AbsoluteUri);
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public Uri BaseUri { get; }

    public int Requests;

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }
            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        Interlocked.Increment(ref Requests);
        var response = context.Response;
        try
        {
            var relative = Uri.UnescapeDataString(context.Request.Url!.AbsolutePath.TrimStart('/'));
            var path = Path.GetFullPath(Path.Combine(_root, relative));
            if (!path.StartsWith(_root, StringComparison.Ordinal) || !File.Exists(path))
            {
                response.StatusCode = 404;
                return;
            }
            var data = await File.ReadAllBytesAsync(path);
            long start = 0, length = data.Length;
            var range = context.Request.Headers["Range"];
            if (range is not null)
            {
                var m = RangePattern().Match(range);
                if (!m.Success)
                {
                    response.StatusCode = 416;
                    return;
                }
                if (m.Groups[1].Value.Length == 0)
                {
                    length = Math.Min(long.Parse(m.Groups[2].Value), data.Length);
                    start = data.Length - length;
                }
                else
                {
                    start = long.Parse(m.Groups[1].Value);
                    var end = m.Groups[2].Value.Length == 0 ? data.Length - 1 : Math.Min(long.Parse(m.Groups[2].Value), data.Length - 1);
                    if (start >= data.Length)
                    {
                        response.StatusCode = 416;
                        return;
                    }
                    length = end - start + 1;
                }
                response.StatusCode = 206;
                response.AddHeader("Content-Range", $"bytes {start}-{start + length - 1}/{data.Length}");
            }
            response.ContentLength64 = length;
            if (context.Request.HttpMethod != "HEAD")
            {
                await response.OutputStream.WriteAsync(data.AsMemory((int)start, (int)length));
            }
        }
        catch (Exception)
        {
            response.StatusCode = 500;
        }
        finally
        {
            response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        try
        {
            _listener.Close();
        }
        catch (HttpListenerException)
        {
            // The managed listener can fail to unregister a prefix it already released; nothing is left open.
        }
        await _loop;
    }

    [GeneratedRegex(@"^bytes=(\d*)-(\d*)$")]
    private static partial Regex RangePattern();
}
