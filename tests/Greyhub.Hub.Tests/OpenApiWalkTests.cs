using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Greyhub.Testing;

namespace Greyhub.Hub.Tests;

/// <summary>
/// Walks JupyterHub's OpenAPI document (tests/fixtures/jupyterhub-openapi): every operation it lists is called on a
/// real hub with a valid request (path parameters naming real users, groups, servers, services, tokens, shares and
/// share codes made first), and must exist, answer a success status the document lists, and answer a body whose
/// fields and JSON types match the document's schema. A token without the operation's declared scope must be refused
/// (403, or 404 where JupyterHub hides what exists). The test fails listing every gap, not only the first.
/// </summary>
public sealed partial class OpenApiWalkTests
{
    /// <summary>Fields JupyterHub itself leaves out of some answers (<c>Schema.field</c>), and why.</summary>
    private static readonly Dictionary<string, string> Optional = new()
    {
        ["User.user_info"] = "added in JupyterHub 6.0 (the document is 6.0.0.dev); JupyterHub 5 has no such field",
        ["Server.display_name"] = "added in JupyterHub 6.0; JupyterHub 5 has no such field",
        ["Token.user"] = "a token has exactly one of user and service",
        ["Token.service"] = "a token has exactly one of user and service",
        ["NewToken.user"] = "a token has exactly one of user and service",
        ["NewToken.service"] = "a token has exactly one of user and service",
    };

    /// <summary>Fields the document types without null that JupyterHub answers null when there is nothing to say.</summary>
    private static readonly HashSet<string> Nullable =
    [
        "User.server", "User.pending", "User.last_activity", "User.auth_state",
        "Server.pending", "Server.started", "Server.last_activity",
        "Token.expires_at", "Token.last_activity", "Token.note", "NewToken.expires_at", "NewToken.last_activity", "NewToken.note",
    ];

    /// <summary>
    /// Where JupyterHub's own handlers differ from its document, the walk holds Greyhub to the handlers; each entry
    /// says what JupyterHub 5 answers instead and why.
    /// </summary>
    private static readonly Dictionary<string, (int Status, string Why)> HandlerOverDocument = new()
    {
        ["POST /authorizations/token"] = (404, "JupyterHub 2.0 removed it; its handler answers 404 pointing to POST /users/{name}/tokens"),
    };

    [Fact]
    public async Task Every_operation_of_JupyterHubs_OpenAPI_document_is_served_as_documented()
    {
        var document = OpenApiDocument.Load();
        var operations = document.Operations();
        await using var walk = await WalkHub.StartAsync();
        var recipes = Recipes(walk);
        var check = new OpenApiSchemaCheck(document, Optional.Keys.ToHashSet(), Nullable);
        var problems = new List<string>();
        var missing = new List<string>();
        var lacking = await walk.Hub.ScopedTokenAsync("admin", "read:metrics");

        foreach (var extra in recipes.Keys.Except(operations.Select(o => o.Key)))
        {
            problems.Add($"{extra}: the walk has a request for an operation the document does not list");
        }
        // The hub's shutdown goes last: everything else needs it running.
        foreach (var op in operations.OrderBy(o => o.Id == "post-shutdown"))
        {
            if (!recipes.TryGetValue(op.Key, out var recipe))
            {
                problems.Add($"{op}: the walk has no request for this operation");
                continue;
            }
            var request = await recipe();
            var real = op.Scopes.Where(s => s != "(no_scope)").ToList();
            if (real.Count > 0)
            {
                var refused = await walk.SendAsync(op, request with { Token = lacking });
                if (refused.Code is not (403 or 404))
                {
                    problems.Add($"{op}: a token without [{string.Join(", ", real)}] got {refused.Code} (expected 403 or 404): {Short(refused.Body)}");
                }
            }
            var response = await walk.SendAsync(op, request);
            if (HandlerOverDocument.TryGetValue(op.Key, out var handler))
            {
                if (response.Code != handler.Status)
                {
                    problems.Add($"{op}: {response.Code} where JupyterHub answers {handler.Status} ({handler.Why}): {Short(response.Body)}");
                }
                continue;
            }
            if (!op.SuccessStatuses.Contains(response.Code))
            {
                (response.Code is 404 or 405 ? missing : problems).Add(
                    $"{op}: {response.Code} where the document lists {string.Join("/", op.SuccessStatuses)}: {Short(response.Body)}");
                continue;
            }
            if (op.ResponseSchema(response.Code) is { } schema)
            {
                if (response.Json is not { } json)
                {
                    problems.Add($"{op}: {response.Code} with a body that is not JSON: {Short(response.Body)}");
                    continue;
                }
                var found = new List<string>();
                check.Check(json, SchemaFor(document, op, schema), op.Id, found);
                problems.AddRange(found.Select(f => $"{op}: {f}"));
            }
        }

        var report = $"JupyterHub {document.Version} document, {operations.Count} operations: {missing.Count} missing, {problems.Count} other problems";
        TestContext.Current.TestOutputHelper?.WriteLine(report);
        Assert.True(missing.Count + problems.Count == 0, report + "\n" + string.Join("\n", missing.Concat(problems)));
    }

    /// <summary>
    /// The schema to hold an answer to, where JupyterHub's handlers answer otherwise than its document says:
    /// <c>GET /users/{name}/shared</c> answers shares (the document types its items as share codes; the group's
    /// listing has the right schema), and <c>GET /services</c> an object of service models keyed by name (the
    /// document says an array; JupyterHub's handler has always answered the object).
    /// </summary>
    private static JsonObject SchemaFor(OpenApiDocument document, OpenApiOperation op, JsonObject schema) => op.Id switch
    {
        "get-user-shared" => document.Operations().Single(o => o.Id == "get-group-shared").ResponseSchema(200)!,
        "get-services" => new JsonObject { ["type"] = "object", ["additionalProperties"] = schema["items"]!.DeepClone() },
        _ => schema,
    };

    private static string Short(string body) => body.Length > 300 ? body[..300] + "…" : body;

    /// <summary>A request of the walk: a path under /hub/api with its parameters filled, a body, and whose token sends it.</summary>
    internal sealed record WalkRequest(string Path, object? Body = null, string? Token = null, IReadOnlyList<KeyValuePair<string, string>>? Form = null);

    /// <summary>The hub the walk runs against, and the objects its requests name.</summary>
    internal sealed class WalkHub : IAsyncDisposable
    {
        public const string ServiceToken = "walk-service-token-0123456789abcdef";

        private readonly List<(string User, string Server)> _started = [];

        private WalkHub(HubInstance hub)
        {
            Hub = hub;
            Admin = hub.Client(hub.AdminToken);
        }

        public HubInstance Hub { get; }

        public HttpClient Admin { get; }

        public static async Task<WalkHub> StartAsync() => new(await HubInstance.StartAsync([.. StandInSingleUser.Config(),
            "Greyhub:Services:0:Name=walk-service", "Greyhub:Services:0:Url=http://127.0.0.1:10102",
            "Greyhub:Services:0:ApiToken=" + ServiceToken, "Greyhub:Services:0:Info:purpose=the OpenAPI walk"]));

        public async Task<ApiResponse> SendAsync(OpenApiOperation op, WalkRequest request)
        {
            using var message = new HttpRequestMessage(new HttpMethod(op.Method), "hub/api" + request.Path);
            message.Headers.Authorization = new AuthenticationHeaderValue("token", request.Token ?? Hub.AdminToken);
            // Paginated answers are JupyterHub's opt-in (the plain list otherwise).
            if (op.ResponseSchema(200)?.ToJsonString().Contains("PaginatedList", StringComparison.Ordinal) == true)
            {
                message.Headers.Accept.ParseAdd(Http.Paging.MediaType);
            }
            if (request.Form is { } form)
            {
                message.Content = new FormUrlEncodedContent(form);
            }
            else if (request.Body is not null)
            {
                message.Content = new StringContent(JsonSerializer.Serialize(request.Body), Encoding.UTF8, "application/json");
            }
            using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = Hub.Address };
            using var response = await client.SendAsync(message, Api.Ct);
            var text = await response.Content.ReadAsStringAsync(Api.Ct);
            JsonElement? json = null;
            try
            {
                json = text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : null;
            }
            catch (JsonException)
            {
                // Not JSON: the check says so where JSON was due.
            }
            return new ApiResponse(response.StatusCode, text, json, response.Headers, response.Content.Headers.ContentType?.MediaType);
        }

        public async Task<string> UserAsync(string prefix = "walk")
        {
            var name = Api.Unique(prefix);
            (await Admin.PostApiAsync($"hub/api/users/{name}")).Is(201);
            return name;
        }

        public async Task<string> GroupAsync(params string[] members)
        {
            var name = Api.Unique("walkers");
            (await Admin.PostApiAsync($"hub/api/groups/{name}", new { users = members })).Is(201);
            return name;
        }

        /// <summary>A token of <paramref name="user"/> made through the API; its id and the token itself.</summary>
        public async Task<(string Id, string Token)> TokenAsync(string user)
        {
            var made = (await Admin.PostApiAsync($"hub/api/users/{user}/tokens", new { note = "walk" })).Is(201).Root;
            return (made.GetProperty("id").ToString(), made.GetProperty("token").GetString()!);
        }

        public async Task ShareAsync(string owner, string? user = null, string? group = null) =>
            (await Admin.PostApiAsync($"hub/api/shares/{owner}/", user is not null ? new { user } : new { group })).Is(200);

        /// <summary>Starts a server and waits until it is ready (its progress stream ends then).</summary>
        public async Task StartedAsync(string user, string server)
        {
            var path = server.Length == 0 ? $"hub/api/users/{user}/server" : $"hub/api/users/{user}/servers/{server}";
            var started = await Admin.PostApiAsync(path);
            Assert.True(started.Code is 201 or 202, $"starting {user}/{server}: {started}");
            Started(user, server);
            using var progress = await Admin.GetAsync(path + "/progress", Api.Ct);
            Assert.Contains("\"ready\": true", await progress.Content.ReadAsStringAsync(Api.Ct), StringComparison.Ordinal);
        }

        /// <summary>Remembers a server the walk started, to stop it at the end.</summary>
        public void Started(string user, string server) => _started.Add((user, server));

        /// <summary>Stops every server the walk started (before the hub's shutdown, and at dispose).</summary>
        public async Task StopAllAsync()
        {
            foreach (var (user, server) in _started)
            {
                var path = server.Length == 0 ? $"hub/api/users/{user}/server" : $"hub/api/users/{user}/servers/{server}";
                using var _ = await Admin.DeleteAsync(path, CancellationToken.None);
            }
            _started.Clear();
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await StopAllAsync();
            }
            catch (HttpRequestException)
            {
                // The walk shut the hub down: its servers were stopped before.
            }
            await Hub.DisposeAsync();
        }
    }
}
