using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Greyhub.Host.Tests;

/// <summary>A script's view of a hub: the JupyterHub REST API with a token, and Jupyter's kernel protocol through the proxy.</summary>
internal sealed class JupyterClient : IDisposable
{
    private readonly HttpClient _http;

    public JupyterClient(Uri hub, string token)
    {
        Hub = hub;
        Token = token;
        _http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = hub, Timeout = TimeSpan.FromSeconds(60) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("token", token);
    }

    public Uri Hub { get; }

    public string Token { get; }

    public HttpClient Http => _http;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>An admin token from the CLI (works while the hub runs).</summary>
    public static async Task<JupyterClient> AdminAsync(GreyhubProcess hub)
    {
        var (code, stdout, stderr) = await GreyhubProcess.RunAsync(["token", "--admin", "--data-dir", hub.DataDir, "admin"], cancellationToken: Ct);
        Assert.True(code == 0, stderr);
        return new JupyterClient(hub.Address, stdout.Trim());
    }

    /// <summary>Creates a user and returns a client with a token of theirs.</summary>
    public async Task<JupyterClient> CreateUserAsync(string name)
    {
        using (var created = await _http.PostAsync($"hub/api/users/{name}", null, Ct))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
        return await ForUserAsync(name);
    }

    /// <summary>A client with a new token of an existing user.</summary>
    public async Task<JupyterClient> ForUserAsync(string name)
    {
        using var token = await _http.PostAsJsonAsync($"hub/api/users/{name}/tokens", new { note = "test" }, Ct);
        Assert.Equal(HttpStatusCode.Created, token.StatusCode);
        var secret = (await token.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("token").GetString()!;
        return new JupyterClient(Hub, secret);
    }

    public async Task<JsonElement> UserAsync(string name)
    {
        using var response = await _http.GetAsync($"hub/api/users/{name}", Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
    }

    /// <summary>
    /// The user model once none of the user's servers is still being re-adopted by a restarted hub (<c>pending: "check"</c>,
    /// which the hub answers while it checks them in the background).
    /// </summary>
    public async Task<JsonElement> CheckedUserAsync(string name)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var model = await UserAsync(name);
            if (!model.GetProperty("servers").EnumerateObject().Any(s => s.Value.GetProperty("pending").ValueKind == JsonValueKind.String
                && s.Value.GetProperty("pending").GetString() == "check"))
            {
                return model;
            }
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(60), $"{name}'s servers are still being checked after 60 s: {model}");
            await Task.Delay(50, Ct);
        }
    }

    /// <summary>Waits until the user model shows no default server (the hub took it down), failing after <paramref name="patience"/>.</summary>
    public async Task WaitStoppedAsync(string user, TimeSpan patience)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        JsonElement model;
        while ((model = await UserAsync(user)).GetProperty("server").ValueKind != JsonValueKind.Null)
        {
            Assert.True(watch.Elapsed < patience, $"{user}'s server is still shown after {patience}: {model}");
            await Task.Delay(250, Ct);
        }
    }

    /// <summary>Reads the progress stream to its end and returns its events.</summary>
    public async Task<List<JsonElement>> ProgressAsync(string user, string server = "")
    {
        var path = server.Length == 0 ? $"hub/api/users/{user}/server/progress" : $"hub/api/users/{user}/servers/{server}/progress";
        using var response = await _http.GetAsync(path, HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(Ct));
        var events = new List<JsonElement>();
        while (await reader.ReadLineAsync(Ct) is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                events.Add(JsonDocument.Parse(line[6..]).RootElement.Clone());
            }
        }
        return events;
    }

    /// <summary>Starts a server and follows the progress stream until it is ready; returns the events.</summary>
    public async Task<List<JsonElement>> StartAndWaitAsync(string user, string server = "", object? options = null)
    {
        var path = server.Length == 0 ? $"hub/api/users/{user}/server" : $"hub/api/users/{user}/servers/{server}";
        using var response = options is null ? await _http.PostAsync(path, null, Ct) : await _http.PostAsJsonAsync(path, options, Ct);
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.Accepted, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
        var events = await ProgressAsync(user, server);
        Assert.True(events[^1].TryGetProperty("ready", out var ready) && ready.GetBoolean(), string.Join("\n", events));
        return events;
    }

    /// <summary>
    /// Asks for the default server and polls the user model until it is ready (any hub: JupyterHub answers 201 or 202),
    /// failing after <paramref name="patience"/>.
    /// </summary>
    public async Task StartAndPollAsync(string user, TimeSpan patience)
    {
        using (var response = await _http.PostAsync($"hub/api/users/{user}/server", null, Ct))
        {
            Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.Accepted, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
        }
        var watch = System.Diagnostics.Stopwatch.StartNew();
        JsonElement model;
        while (!((model = await UserAsync(user)).GetProperty("servers").TryGetProperty("", out var server) && server.GetProperty("ready").GetBoolean()))
        {
            Assert.True(watch.Elapsed < patience, $"{user}'s server is not ready after {patience}: {model}");
            await Task.Delay(250, Ct);
        }
    }

    /// <summary>The process id of a running server, from the state an admin may read.</summary>
    public async Task<int> ServerPidAsync(string user, string server = "")
    {
        var model = await UserAsync(user);
        return model.GetProperty("servers").GetProperty(server).GetProperty("state").GetProperty("spawner").GetProperty("job").GetProperty("pid").GetInt32();
    }

    /// <summary>
    /// Starts a kernel through the proxy, runs <paramref name="code"/> over the kernel WebSocket and returns the text
    /// result, or what the cell printed to stdout when it has no result (<c>print(6*7)</c> gives <c>"42\n"</c>).
    /// </summary>
    public async Task<string> ExecuteAsync(string user, string code)
    {
        using var created = await _http.PostAsJsonAsync($"user/{user}/api/kernels", new { name = "python3" }, Ct);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var kernel = (await created.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetString();
        var ws = new Uri($"ws://{Hub.Authority}/user/{user}/api/kernels/{kernel}/channels");
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "token " + Token);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        await socket.ConnectAsync(ws, timeout.Token);
        var msgId = Guid.NewGuid().ToString("N");
        var request = new JsonObject
        {
            ["header"] = new JsonObject
            {
                ["msg_id"] = msgId,
                ["username"] = user,
                ["session"] = Guid.NewGuid().ToString("N"),
                ["msg_type"] = "execute_request",
                ["version"] = "5.3",
                ["date"] = DateTime.UnixEpoch.ToString("O"),
            },
            ["parent_header"] = new JsonObject(),
            ["metadata"] = new JsonObject(),
            ["content"] = new JsonObject
            {
                ["code"] = code,
                ["silent"] = false,
                ["store_history"] = true,
                ["user_expressions"] = new JsonObject(),
                ["allow_stdin"] = false,
                ["stop_on_error"] = true,
            },
            ["channel"] = "shell",
            ["buffers"] = new JsonArray(),
        };
        await socket.SendAsync(Encoding.UTF8.GetBytes(request.ToJsonString()), WebSocketMessageType.Text, true, timeout.Token);
        var buffer = new byte[1 << 16];
        var printed = new StringBuilder();
        while (true)
        {
            using var message = new MemoryStream();
            WebSocketReceiveResult result;
            do
            {
                result = await socket.ReceiveAsync(buffer, timeout.Token);
                message.Write(buffer, 0, result.Count);
            }
            while (!result.EndOfMessage);
            if (result.MessageType != WebSocketMessageType.Text)
            {
                continue;
            }
            var reply = JsonDocument.Parse(message.ToArray()).RootElement;
            if (!reply.GetProperty("parent_header").TryGetProperty("msg_id", out var parent) || parent.GetString() != msgId)
            {
                continue;
            }
            var content = reply.GetProperty("content");
            switch (reply.GetProperty("header").GetProperty("msg_type").GetString())
            {
                case "execute_result":
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
                    return content.GetProperty("data").GetProperty("text/plain").GetString()!;
                case "stream" when content.GetProperty("name").GetString() == "stdout":
                    printed.Append(content.GetProperty("text").GetString());
                    break;
                case "error":
                    Assert.Fail($"the cell failed: {content}");
                    break;
                case "status" when content.GetProperty("execution_state").GetString() == "idle":
                    // The kernel is done with the cell and showed no result: what it printed is the answer.
                    await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
                    return printed.ToString();
            }
        }
    }

    public void Dispose() => _http.Dispose();
}
