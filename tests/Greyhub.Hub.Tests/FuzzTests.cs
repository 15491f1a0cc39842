using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;

namespace Greyhub.Hub.Tests;

/// <summary>
/// A few thousand seeded malformed requests: never a 5xx, every error in JupyterHub's JSON shape, and the
/// database afterwards exactly as before (no request was half-applied).
/// </summary>
public sealed class FuzzTests
{
    private const int Seed = 20261126;
    private const int Requests = 3000;
    private const string Fresh = "fzfresh";

    private static readonly string[] Methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "FOO"];

    private static readonly string[] BadNames =
    [
        "bad name", new string('n', 300), "tab\tname", "nl\nname", "ctl\u0001", " ", "é\u0001", "nb\u00a0sp",
    ];

    private sealed record Probe(string Caller, string Method, string Path, byte[]? Body, bool MustFail);

    [Fact]
    public async Task Malformed_requests_never_5xx_and_leave_the_database_intact()
    {
        await using var hub = await HubInstance.StartAsync();
        var admin = hub.Client(hub.AdminToken);
        string[] users = ["fz-ann", "fz-ben", "fz-cat", "fz-dan"];
        (await admin.PostApiAsync("hub/api/users", new { usernames = users })).Is(201);
        (await admin.PostApiAsync("hub/api/groups", new { groups = new[] { "fz-g1" }, users = new[] { "fz-ann", "fz-ben" } })).Is(201);
        (await admin.PostApiAsync("hub/api/groups", new { groups = new[] { "fz-g2" } })).Is(201);
        (await admin.PutApiAsync("hub/api/groups/fz-g1/properties", new { course = "ds", seats = 3 })).Is(200);
        var userToken = await hub.TokenForAsync("fz-ann");
        (await admin.PostApiAsync("hub/api/users/fz-ben/tokens", new { note = "kept", expires_in = 86400, scopes = new[] { "read:users!user=fz-ben" } })).Is(201);
        var revoked = (await admin.PostApiAsync("hub/api/users/fz-cat/tokens", new { note = "revoked" })).Is(201).Root;
        (await admin.DeleteApiAsync($"hub/api/users/fz-cat/tokens/{revoked.GetProperty("id").GetString()}")).Is(204);
        var tokens = new Dictionary<string, string?>
        {
            ["admin"] = hub.AdminToken,
            ["user"] = userToken,
            ["none"] = null,
            ["bogus"] = "ffffffffffffffffffffffffffffffff",
            ["revoked"] = revoked.GetProperty("token").GetString(),
            ["garbage"] = new string('a', 600),
        };
        var before = await SnapshotAsync(admin, users);

        var random = new Random(Seed);
        var probes = Enumerable.Range(0, Requests).Select(_ => Next(random, users)).ToList();
        var failures = new ConcurrentBag<string>();
        var clients = tokens.ToDictionary(kv => kv.Key, kv => kv.Key == "garbage" ? RawAuthClient(hub, kv.Value!) : hub.Client(kv.Value));
        await Parallel.ForEachAsync(probes, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = Api.Ct }, async (probe, _) =>
        {
            var problem = await RunAsync(clients[probe.Caller], probe);
            if (problem is not null)
            {
                failures.Add(problem);
            }
        });
        Assert.True(failures.IsEmpty, $"{failures.Count} bad answers, e.g.:\n" + string.Join("\n", failures.Take(15)));

        (await hub.Client().GetApiAsync("hub/health")).Is(200);
        var after = await SnapshotAsync(admin, users);
        Assert.Equal(before, after);
        var everyone = (await admin.GetApiAsync("hub/api/users?limit=200")).Is(200).Root.Names();
        Assert.DoesNotContain(everyone, n => n.StartsWith(Fresh, StringComparison.Ordinal));
        var groups = (await admin.GetApiAsync("hub/api/groups?limit=200")).Is(200).Root.Names();
        Assert.DoesNotContain(groups, n => n.StartsWith(Fresh, StringComparison.Ordinal));
        (await hub.Client(tokens["revoked"]).GetApiAsync("hub/api/user")).Is(403);
        (await hub.Client(userToken).GetApiAsync("hub/api/user")).Is(200);
    }

    private static HttpClient RawAuthClient(HubInstance hub, string header)
    {
        var client = hub.Client();
        client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", "token " + header);
        return client;
    }

    private static async Task<string?> RunAsync(HttpClient client, Probe probe)
    {
        using var request = new HttpRequestMessage(new HttpMethod(probe.Method), probe.Path);
        if (probe.Body is not null)
        {
            request.Content = new ByteArrayContent(probe.Body);
            request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        }
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(request, Api.Ct);
        }
        catch (HttpRequestException) when (probe.Body is { Length: > 1024 * 1024 })
        {
            // The server may close the connection on an oversized body before the client finishes sending it.
            return null;
        }
        using (response)
        {
            var code = (int)response.StatusCode;
            var text = await response.Content.ReadAsStringAsync(Api.Ct);
            var where = $"{probe.Caller} {probe.Method} {probe.Path} [{Describe(probe.Body)}] -> {code} {Truncate(text)}";
            if (code >= 500)
            {
                return "5xx: " + where;
            }
            if (probe.MustFail && code < 400)
            {
                return "accepted: " + where;
            }
            if (code >= 400 && probe.Method != "HEAD")
            {
                try
                {
                    var root = JsonDocument.Parse(text).RootElement;
                    if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("status", out var s) || s.ValueKind != JsonValueKind.Number
                        || s.GetInt32() != code || !root.TryGetProperty("message", out var m) || m.ValueKind != JsonValueKind.String)
                    {
                        return "shape: " + where;
                    }
                }
                catch (JsonException)
                {
                    return "not json: " + where;
                }
            }
            return null;
        }
    }

    private static string Describe(byte[]? body) => body is null ? "" : body.Length > 200 ? $"{body.Length} bytes" : Encoding.UTF8.GetString(body);

    private static string Truncate(string s) => s.Length > 200 ? s[..200] + "..." : s;

    private static Probe Next(Random r, string[] users)
    {
        var user = users[r.Next(users.Length)];
        var roll = r.Next(100);
        if (roll < 20)
        {
            // Random method and path, with a credential that cannot change anything.
            var caller = new[] { "none", "bogus", "revoked", "garbage" }[r.Next(4)];
            var method = Methods[r.Next(Methods.Length)];
            var body = r.Next(3) == 0 ? BadJson(r) : null;
            return new Probe(caller, method, "hub/api/" + RandomPath(r, user), method is "GET" or "HEAD" or "OPTIONS" ? null : body, MustFail: method is not ("GET" or "HEAD" or "OPTIONS"));
        }
        if (roll < 30)
        {
            // A plain user reaching for what is not theirs.
            var (method, path) = new[]
            {
                ("PATCH", $"users/{users[1]}"), ("DELETE", $"users/{users[1]}"), ("DELETE", "groups/fz-g1"), ("PUT", "groups/fz-g1/properties"),
                ("POST", "groups/fz-g1/users"), ("POST", $"users/{users[2]}/tokens"), ("POST", "users"), ("POST", $"users/{Fresh}{r.Next(1000)}"),
                ("DELETE", $"users/{users[2]}/tokens/a1"), ("POST", "groups"), ("PATCH", $"users/{users[0]}"),
            }[r.Next(11)];
            return new Probe("user", method, "hub/api/" + path, Encoding.UTF8.GetBytes("{\"users\": [\"fz-dan\"], \"admin\": true, \"usernames\": [\"" + Fresh + "x\"], \"groups\": [\"" + Fresh + "g\"]}"), MustFail: true);
        }
        if (roll < 36)
        {
            // Queries on list endpoints: odd values never break paging.
            var path = (r.Next(2) == 0 ? "users" : "groups") + "?" + RandomQuery(r);
            return new Probe("admin", "GET", "hub/api/" + path, null, MustFail: false);
        }
        // The admin with a defective request on a write endpoint.
        return AdminWrite(r, user);
    }

    private static Probe AdminWrite(Random r, string user)
    {
        var fresh = Fresh + r.Next(100_000);
        var badName = BadNames[r.Next(BadNames.Length)];
        var endpoint = r.Next(11);
        var (method, path, field) = endpoint switch
        {
            0 => ("POST", "users", "usernames"),
            1 => ("POST", $"users/{fresh}", "admin"),
            2 => ("PATCH", $"users/{user}", "name"),
            3 => ("PATCH", $"users/{user}", "admin"),
            4 => ("POST", "groups", "groups"),
            5 => ("POST", $"groups/{fresh}", "users"),
            6 => ("POST", "groups/fz-g1/users", "users"),
            7 => ("DELETE", "groups/fz-g1/users", "users"),
            8 => ("PUT", "groups/fz-g2/properties", ""),
            9 => ("POST", $"users/{user}/tokens", "scopes"),
            _ => ("POST", $"users/{user}/activity", "last_activity"),
        };
        byte[] body;
        switch (r.Next(9))
        {
            case 0:
                body = BadJson(r);
                break;
            case 1:
                body = Deep(r);
                break;
            case 2 when r.Next(8) == 0:
                body = Huge(r);
                break;
            case 3:
                body = InvalidUtf8(r, field);
                break;
            case 4 when endpoint is 0 or 4 or 5 or 6 or 7:
                // Valid names with one invalid one: nothing may be created or changed.
                body = Utf8(new Dictionary<string, object> { [field] = new[] { fresh, badName, Fresh + "b" + r.Next(1000) } });
                break;
            case 4 when endpoint is 1:
                // (A '/' escaped as %2F is not decoded in ASP.NET route values; see the report.)
                path = "users/" + Uri.EscapeDataString(badName);
                body = Utf8(new { });
                break;
            case 4 when endpoint is 2:
                body = Utf8(new { name = badName });
                break;
            case 5 when endpoint is 9:
                body = Utf8(new Dictionary<string, object> { ["scopes"] = new[] { "read:users", new[] { "no-such", "read:users!nope=1", "custom:x", "admin:users!user=", "read:users!group=" }[r.Next(5)] } });
                break;
            case 6 when endpoint is 10:
                body = Utf8(new { last_activity = new[] { "2999-01-01T00:00:00Z", "yesterday", "", "2024-13-45T99:99:99Z", "1e9" }[r.Next(5)] });
                break;
            default:
                body = endpoint == 8 ? Utf8(WrongType(r)) : Utf8(new Dictionary<string, object?> { [field.Length == 0 ? "x" : field] = WrongType(r, field) });
                break;
        }
        return new Probe("admin", method, "hub/api/" + path, body, MustFail: true);
    }

    /// <summary>A value of the wrong type for <paramref name="field"/> (never null, which JupyterHub treats as absent).</summary>
    private static object WrongType(Random r, string field = "")
    {
        object[] lists = [12345, 1.5, true, new { nested = 1 }, "a string", new[] { 1, 2 }, new object[] { "ok", 3 }, new object[] { new[] { "x" } }];
        object[] notBool = [12345, 0, 1, "true", new[] { true }, new { value = true }];
        object[] notString = [12345, 1.5, false, new[] { "x" }, new { value = "x" }];
        object[] notObject = [12345, 1.5, true, "a string", new[] { 1, 2 }, new object[] { "ok", 3 }];
        var choices = field switch
        {
            "usernames" or "groups" or "users" or "scopes" => lists,
            "admin" => notBool,
            "name" or "last_activity" => notString,
            _ => notObject,
        };
        return choices[r.Next(choices.Length)];
    }

    private static byte[] Utf8(object value) => JsonSerializer.SerializeToUtf8Bytes(value);

    private static byte[] BadJson(Random r)
    {
        string[] samples =
        [
            "{", "}", "[", "{\"usernames\": [\"a\",]}", "{'single': 1}", "{\"a\" 1}", "nul", "tru", "{\"a\": 01}", "\"unterminated",
            "{\"a\": NaN}", "{\"a\": Infinity}", "{\"a\":1}{\"b\":2}", "// comment\n{}", "{\"a\": \"\\x\"}", "\u0000", "{\"usernames\": [\"a\"]",
        ];
        var s = samples[r.Next(samples.Length)];
        if (r.Next(3) == 0)
        {
            var valid = "{\"usernames\": [\"" + Fresh + "t\"], \"users\": [\"fz-dan\"], \"scopes\": [\"read:users\"], \"groups\": [\"" + Fresh + "tg\"]}";
            s = valid[..r.Next(1, valid.Length - 1)];
        }
        return Encoding.UTF8.GetBytes(s);
    }

    private static byte[] Deep(Random r)
    {
        var depth = 65 + r.Next(5000);
        var open = r.Next(2) == 0 ? "{\"a\":" : "[";
        var close = open == "[" ? "]" : "}";
        var sb = new StringBuilder();
        for (var i = 0; i < depth; i++)
        {
            sb.Append(open);
        }
        sb.Append('1');
        for (var i = 0; i < depth; i++)
        {
            sb.Append(close);
        }
        return Encoding.UTF8.GetBytes("{\"x\": " + sb + "}");
    }

    private static byte[] Huge(Random r)
    {
        var size = 1024 * 1024 + 1 + r.Next(512 * 1024);
        var body = new byte[size];
        Array.Fill(body, (byte)' ');
        "{\"usernames\": [\"fzfreshhuge\"]}"u8.CopyTo(body);
        return body;
    }

    private static byte[] InvalidUtf8(Random r, string field)
    {
        var prefix = Encoding.UTF8.GetBytes("{\"" + (field.Length == 0 ? "x" : field) + "\": [\"" + Fresh);
        byte[][] bad = [[0xff], [0xc3, 0x28], [0xe2, 0x82], [0xf0, 0x28, 0x8c, 0x28], [0xed, 0xa0, 0x80], [0xc0, 0xaf]];
        return [.. prefix, .. bad[r.Next(bad.Length)], .. "\"]}"u8];
    }

    private static string RandomPath(Random r, string user)
    {
        string[] templates =
        [
            "", "user", "users", "users/{u}", "users/{u}/activity", "users/{u}/tokens", "users/{u}/tokens/a1", "users/{u}/tokens/{x}",
            "users/{u}/server", "users/{u}/servers/{x}", "groups", "groups/fz-g1", "groups/fz-g1/users", "groups/fz-g1/properties",
            "services", "services/{x}", "info", "health", "metrics", "{x}", "{x}/{x}", "users/{x}", "groups/{x}", "proxy", "shutdown",
            "users/{u}/../../users", "users/%2e%2e/groups", "users/" + new string('z', 300),
        ];
        var t = templates[r.Next(templates.Length)];
        return t.Replace("{u}", user, StringComparison.Ordinal).Replace("{x}", RandomSegment(r), StringComparison.Ordinal);
    }

    private static string RandomSegment(Random r)
    {
        const string chars = "abcdefghijklmnopqrstuvwxyz0123456789-_.~%!$&'()*+,;=:@";
        var n = r.Next(1, 20);
        var sb = new StringBuilder();
        for (var i = 0; i < n; i++)
        {
            var c = chars[r.Next(chars.Length)];
            sb.Append(c == '%' ? "%" + r.Next(1, 256).ToString("X2", System.Globalization.CultureInfo.InvariantCulture) : c.ToString());
        }
        return sb.ToString();
    }

    private static string RandomQuery(Random r)
    {
        string[] values = ["0", "-1", "1", "200", "201", "2147483647", "-2147483648", "99999999999", "x", "", "1e3", "0x10", " 5", "%00", "1.0"];
        var parts = new List<string>();
        foreach (var key in new[] { "offset", "limit", "state", "sort", "include_stopped_servers", "name_filter" })
        {
            if (r.Next(2) == 0)
            {
                var v = key switch
                {
                    "state" => new[] { "active", "ready", "inactive", "x", "" }[r.Next(5)],
                    "sort" => new[] { "id", "-id", "name", "-last_activity", "created", "--id", "-" }[r.Next(7)],
                    _ => values[r.Next(values.Length)],
                };
                parts.Add(key + "=" + v);
            }
        }
        return string.Join('&', parts);
    }

    /// <summary>Everything a bad request must not change: users, groups with properties, tokens (not last use).</summary>
    private static async Task<string> SnapshotAsync(HttpClient admin, string[] users)
    {
        var sb = new StringBuilder();
        foreach (var u in (await admin.GetApiAsync("hub/api/users?limit=200&sort=name")).Is(200).Root.EnumerateArray())
        {
            sb.Append("user ").Append(u.GetProperty("name").GetString()).Append(" admin=").Append(u.GetProperty("admin").GetBoolean())
                .Append(" groups=").Append(string.Join(',', u.GetProperty("groups").Strings()))
                .Append(" created=").Append(u.GetProperty("created").GetString())
                .Append(" servers=").Append(u.GetProperty("servers").GetRawText()).Append('\n');
        }
        foreach (var g in (await admin.GetApiAsync("hub/api/groups?limit=200")).Is(200).Root.EnumerateArray())
        {
            sb.Append("group ").Append(g.GetProperty("name").GetString()).Append(" users=").Append(string.Join(',', g.GetProperty("users").Strings()))
                .Append(" properties=").Append(g.GetProperty("properties").GetRawText()).Append('\n');
        }
        foreach (var name in users.Append("admin"))
        {
            foreach (var t in (await admin.GetApiAsync($"hub/api/users/{name}/tokens")).Is(200).Root.GetProperty("api_tokens").EnumerateArray())
            {
                sb.Append("token ").Append(name).Append(' ').Append(t.GetProperty("id").GetString()).Append(" note=").Append(t.GetProperty("note").GetString())
                    .Append(" scopes=").Append(string.Join(',', t.GetProperty("scopes").Strings()))
                    .Append(" expires=").Append(t.GetProperty("expires_at").GetRawText()).Append('\n');
            }
        }
        return sb.ToString();
    }
}
