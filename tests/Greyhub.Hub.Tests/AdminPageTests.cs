using System.Net;
using System.Text.Json;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Greyhub.Data;
using Greyhub.Data.Entities;
using Greyhub.Data.Stores;
using Microsoft.Extensions.DependencyInjection;

namespace Greyhub.Hub.Tests;

/// <summary>
/// <c>/hub/admin</c> and the API it lists by: only <c>admin-ui</c> opens the page; <c>name_filter</c> on
/// <c>GET /hub/api/users</c> is a case-insensitive literal substring, paged with totals, among thousands of users
/// created in bulk through the store; the page renders that first page itself (search, sort, pages, servers), shows
/// only what the caller's scopes let the API show, encodes names, and carries the XSRF token its script sends.
/// </summary>
public sealed class AdminPageTests : IAsyncLifetime
{
    private const string Password = "admin-page-password-1";
    private const string Paged = "application/jupyterhub-pagination+json";
    private static readonly DateTime T0 = new(2026, 5, 6, 7, 8, 9, DateTimeKind.Utc);
    private HubInstance _hub = null!;
    private List<string> _everyone = [];

    public async ValueTask InitializeAsync()
    {
        _hub = await HubInstance.StartAsync(
            // Seeded "running" servers have no process: the monitor must not stop them while a test looks.
            "Greyhub:Servers:PollInterval=01:00:00",
            "Greyhub:Roles:0:Name=viewer",
            "Greyhub:Roles:0:Scopes:0=admin-ui",
            "Greyhub:Roles:0:Users:0=viewer",
            "Greyhub:Roles:1:Name=support",
            "Greyhub:Roles:1:Scopes:0=admin-ui",
            "Greyhub:Roles:1:Scopes:1=list:users",
            "Greyhub:Roles:1:Scopes:2=read:users:name",
            "Greyhub:Roles:1:Users:0=support");
        await _hub.SetPasswordAsync("chief", Password, admin: true);
        foreach (var user in new[] { "plain", "viewer", "support" })
        {
            await _hub.SetPasswordAsync(user, Password);
        }
        await using var scope = _hub.Services.CreateAsyncScope();
        var store = scope.ServiceProvider.GetRequiredService<UserStore>();
        // Thousands of users in one transaction, as an import would write them; a few names with characters that
        // are wildcards or the escape in SQL, one in mixed case (the store keeps what it is given).
        var bulk = Enumerable.Range(1, 3000).Select(i => $"user-{i:D4}").Concat(["per%cent", "snake_case", "back\\slash", "MixedCase"]).ToList();
        await store.CreateAsync(bulk, admin: false, T0, Api.Ct);
        var all = await store.ListAsync(new UserQuery { Limit = 10_000 }, Api.Ct);
        _everyone = [.. all.Items.Select(u => u.Name)];
        Assert.Equal(bulk.Count + 5, _everyone.Count);
    }

    public async ValueTask DisposeAsync() => await _hub.DisposeAsync();

    [Fact]
    public async Task Only_admin_ui_opens_the_page_anonymous_visitors_sign_in_first()
    {
        var anonymous = await new Browser(_hub).GetAsync("hub/admin");
        Assert.Equal(302, anonymous.Status);
        Assert.Equal("/hub/login", new Uri(_hub.Address, anonymous.Location).AbsolutePath);
        Assert.Equal("/hub/admin", anonymous.LocationQuery["next"]);

        using var plain = new Browser(_hub);
        await plain.LoginAsync("plain", Password);
        var refused = await plain.GetAsync("hub/admin");
        Assert.Equal(403, refused.Status);
        var refusedPage = Parse(refused);
        Assert.Equal("Forbidden", refusedPage.QuerySelector("h1")?.TextContent);
        Assert.Null(refusedPage.QuerySelector("#user-rows"));

        // A token is no browser session: the page wants the login cookie, as every page does.
        var token = await _hub.Client(_hub.AdminToken).GetAsync("hub/admin", Api.Ct);
        Assert.Equal(HttpStatusCode.Forbidden, token.StatusCode);

        using var admin = await SignedInAsync("chief");
        var page = await admin.GetAsync("hub/admin");
        Assert.Equal(200, page.Status);
        var document = Parse(page);
        Assert.Equal("Admin", document.QuerySelector("h1")?.TextContent);
        Assert.Equal("page", document.QuerySelector("#nav-admin")?.GetAttribute("aria-current"));
        Assert.Equal(_everyone.Take(50), Rows(document));
        Assert.Matches("^1–50 of [0-9],[0-9]{3} users$", document.QuerySelector("#user-range")?.TextContent);
        Assert.Equal("3,000 users", Parse(await admin.GetAsync("hub/admin?name_filter=user-")).QuerySelector("#user-total")?.TextContent);
        // The script is the hub's own module; the page's policy allows nothing else.
        Assert.Matches("^/hub/static/admin\\.js\\?v=[0-9a-f]{12}$", document.QuerySelector("script[type=module]")?.GetAttribute("src"));
        Assert.Contains("default-src 'self'", page.Header("Content-Security-Policy"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("user-12")]
    [InlineData("USER-12")]
    [InlineData("%")]
    [InlineData("_")]
    [InlineData("\\")]
    [InlineData("case")]
    [InlineData("user-")]
    [InlineData("nobody-has-this")]
    public async Task Name_filter_is_a_case_insensitive_literal_substring_paged_with_totals(string filter)
    {
        var expected = _everyone.Where(n => n.Contains(filter, StringComparison.OrdinalIgnoreCase)).ToList();
        var admin = _hub.Client(_hub.AdminToken);
        var seen = new List<string>();
        var path = $"hub/api/users?limit=200&name_filter={Uri.EscapeDataString(filter)}";
        while (true)
        {
            var page = (await admin.GetApiAsync(path, Paged)).Is(200).Root;
            var paging = page.GetProperty("_pagination");
            Assert.Equal(expected.Count, paging.GetProperty("total").GetInt32());
            seen.AddRange(page.GetProperty("items").Names());
            if (paging.GetProperty("next").ValueKind == JsonValueKind.Null)
            {
                break;
            }
            // The next page's URL keeps the filter.
            var next = new Uri(paging.GetProperty("next").GetProperty("url").GetString()!);
            Assert.Contains("name_filter=" + Uri.EscapeDataString(filter), next.Query, StringComparison.Ordinal);
            path = next.PathAndQuery.TrimStart('/');
        }
        // Every match once, in id order (the default sort), nothing else.
        Assert.Equal(expected, seen);

        // With a sort and a state filter too: all these users are inactive.
        var sorted = (await admin.GetApiAsync($"hub/api/users?limit=5&sort=-name&state=inactive&name_filter={Uri.EscapeDataString(filter)}", Paged)).Is(200).Root;
        Assert.Equal(expected.Order(StringComparer.Ordinal).Reverse().Take(5), sorted.GetProperty("items").Names());
        // The bare list (no pagination header) filters the same way.
        var bare = (await admin.GetApiAsync($"hub/api/users?limit=200&name_filter={Uri.EscapeDataString(filter)}")).Is(200).Root;
        Assert.Equal(expected.Take(200), bare.Names());
    }

    [Fact]
    public async Task The_page_searches_sorts_and_pages_on_the_server()
    {
        var expected = _everyone.Where(n => n.Contains("user-12", StringComparison.Ordinal)).Order(StringComparer.Ordinal).Reverse().ToList();
        using var admin = await SignedInAsync("chief");
        var first = Parse(await admin.GetAsync("hub/admin?name_filter=user-12&sort=-name"));
        Assert.Equal(expected.Take(50), Rows(first));
        Assert.Equal($"1–50 of {expected.Count} users", first.QuerySelector("#user-range")?.TextContent);
        Assert.Equal("user-12", first.QuerySelector("#name-filter")?.GetAttribute("value"));
        Assert.Equal("-name", first.QuerySelector("#user-sort option[selected]")?.GetAttribute("value"));
        Assert.Equal("descending", first.QuerySelector("th[aria-sort]")?.GetAttribute("aria-sort"));
        Assert.True(first.QuerySelector("#users-prev")!.HasAttribute("hidden"));
        Assert.Contains("GET /hub/api/users?offset=0&limit=50&name_filter=user-12&sort=-name&include_stopped_servers=1", first.QuerySelector("#users-api")?.TextContent);

        // Next keeps the search and moves on by a page; the last page has no Next.
        var next = first.QuerySelector("#users-next")!.GetAttribute("href")!;
        Assert.Equal("/hub/admin?offset=50&name_filter=user-12&sort=-name", next);
        var second = Parse(await admin.GetAsync(next.TrimStart('/')));
        Assert.Equal(expected.Skip(50).Take(50), Rows(second));
        Assert.Equal($"51–100 of {expected.Count} users", second.QuerySelector("#user-range")?.TextContent);
        var last = Parse(await admin.GetAsync("hub/admin?name_filter=user-12&sort=-name&offset=100&limit=25"));
        Assert.Equal(expected.Skip(100).Take(25), Rows(last));
        Assert.True(last.QuerySelector("#users-next")!.HasAttribute("hidden"));

        // A state filter, no match, and nonsense in the address (a page is forgiving: defaults, never an error).
        var none = Parse(await admin.GetAsync("hub/admin?name_filter=user-12&state=active"));
        Assert.Empty(Rows(none));
        Assert.False(none.QuerySelector("#no-users")!.HasAttribute("hidden"));
        Assert.Equal("No users", none.QuerySelector("#user-range")?.TextContent);
        var odd = await admin.GetAsync("hub/admin?sort=shoe&state=%3Cx%3E&offset=-4&limit=999999");
        Assert.Equal(200, odd.Status);
        Assert.Equal(200, Rows(Parse(odd)).Count);
    }

    [Fact]
    public async Task Servers_show_age_activity_profile_and_engine_with_the_actions_that_apply()
    {
        var name = Api.Unique("srv");
        await using (var scope = _hub.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserStore>();
            var servers = scope.ServiceProvider.GetRequiredService<ServerStore>();
            await users.CreateAsync([name], admin: true, T0, Api.Ct);
            var id = (await users.FindAsync(name, Api.Ct))!.Id;
            Assert.True(await servers.TryMarkPendingAsync(id, "", """{"profile":"classic"}""", T0.AddHours(-3), Api.Ct));
            var server = await servers.FindAsync(id, "", Api.Ct);
            Assert.True(await servers.TransitionAsync(server!.Id, ServerPhases.Pending, ServerPhases.Running, "http://127.0.0.1:9/", Api.Ct));
            // As the hub stores it: the spawner's state (the engine-backed spawner's job handle) with the server's token.
            await servers.SaveStateAsync(server.Id, """{"spawner":{"engine":"local","id":"4242","job":{}},"token_id":7}""", Api.Ct);
            Assert.True(await servers.TryMarkPendingAsync(id, "gpu", """{"cores":8}""", T0, Api.Ct));
            await servers.MarkStoppedAsync((await servers.FindAsync(id, "gpu", Api.Ct))!.Id, null, Api.Ct);
        }
        using var admin = await SignedInAsync("chief");
        var document = Parse(await admin.GetAsync("hub/admin?name_filter=" + name));
        var row = Assert.Single(document.QuerySelectorAll("#user-rows tr.user-row"));
        Assert.Equal("true", row.GetAttribute("data-admin"));
        Assert.Equal("admin", row.QuerySelector(".admin-badge")?.TextContent);

        var running = Server(row, "");
        Assert.Equal("running", running.GetAttribute("data-phase"));
        Assert.Equal("classic", Fact(running, "Profile"));
        Assert.Equal("local", Fact(running, "Engine"));
        Assert.Equal("2026-05-06T04:08:09Z", Term(running, "Started")?.QuerySelector("time")?.GetAttribute("datetime"));
        Assert.Equal($"/user/{name}/", running.QuerySelector("a[data-action=open]")?.GetAttribute("href"));
        Assert.Equal($"DELETE /hub/api/users/{name}/server", running.QuerySelector("button[data-action=stop]")?.GetAttribute("title"));
        Assert.Null(running.QuerySelector("[data-action=start]"));

        // A stopped named server: Start (the API) and Options (the spawn page, for a profile); no age, no engine.
        var stopped = Server(row, "gpu");
        Assert.Equal("stopped", stopped.GetAttribute("data-phase"));
        Assert.Equal($"POST /hub/api/users/{name}/servers/gpu", stopped.QuerySelector("button[data-action=start]")?.GetAttribute("title"));
        Assert.Equal($"/hub/spawn/{name}/gpu", stopped.QuerySelector("a[data-action=spawn-page]")?.GetAttribute("href"));
        Assert.Null(Term(stopped, "Engine"));
        // Script-only controls wait for the script.
        Assert.True(stopped.QuerySelector("button[data-action=start]")!.HasAttribute("hidden"));

        // The same facts reach the script through the API call the page documents.
        var listed = (await _hub.Client(_hub.AdminToken).GetApiAsync($"hub/api/users?name_filter={name}&include_stopped_servers=1", Paged)).Is(200).Root;
        var model = listed.GetProperty("items")[0].GetProperty("servers");
        Assert.Equal("classic", model.GetProperty("").GetProperty("user_options").GetProperty("profile").GetString());
        Assert.Equal("local", model.GetProperty("").GetProperty("state").GetProperty("spawner").GetProperty("engine").GetString());
        Assert.True(model.GetProperty("gpu").GetProperty("stopped").GetBoolean());
    }

    [Fact]
    public async Task The_page_shows_only_what_the_callers_scopes_let_the_api_show()
    {
        // admin-ui alone: the page, and no list of anybody.
        using var viewerBrowser = await SignedInAsync("viewer");
        var viewer = Parse(await viewerBrowser.GetAsync("hub/admin"));
        Assert.NotNull(viewer.QuerySelector("#no-user-list"));
        Assert.NotNull(viewer.QuerySelector("#no-group-list"));
        Assert.Null(viewer.QuerySelector("#user-rows"));
        Assert.Null(viewer.QuerySelector("#add-users-form"));

        // Names only: no admin flag, groups, activity or servers, and no action the scopes do not hold.
        using var supportBrowser = await SignedInAsync("support");
        var support = Parse(await supportBrowser.GetAsync("hub/admin?name_filter=user-000"));
        Assert.Equal(_everyone.Where(n => n.Contains("user-000", StringComparison.Ordinal)), Rows(support));
        var row = support.QuerySelector("#user-rows tr.user-row")!;
        Assert.Null(row.QuerySelector(".admin-badge"));
        Assert.Equal(["not shown", "not shown", "not shown"], row.QuerySelectorAll("td .muted").Select(e => e.TextContent));
        Assert.Empty(support.QuerySelectorAll("[data-action]"));
        Assert.Null(support.QuerySelector("#add-users-form"));
        Assert.Equal("", support.QuerySelector("#admin")?.GetAttribute("data-can"));
    }

    [Fact]
    public async Task The_audit_log_shows_for_admins_only_paged_and_filtered_by_user()
    {
        // Two sign-ins of chief's (entries written in the background), then the section.
        (await SignedInAsync("chief")).Dispose();
        using var chief = await SignedInAsync("chief");
        IDocument page;
        using (var patience = CancellationTokenSource.CreateLinkedTokenSource(Api.Ct))
        {
            patience.CancelAfter(TimeSpan.FromSeconds(30));
            while (true)
            {
                page = Parse(await chief.GetAsync("hub/admin?audit_user=chief"));
                if (page.QuerySelectorAll("#audit-rows tr.audit-row").Length >= 2)
                {
                    break;
                }
                await Task.Delay(20, patience.Token);
            }
        }
        var rows = page.QuerySelectorAll("#audit-rows tr.audit-row");
        Assert.All(rows, r => Assert.Contains("chief", r.TextContent, StringComparison.Ordinal));
        Assert.Contains(rows, r => r.QuerySelector("code")?.TextContent == "login.success");
        Assert.Equal("chief", page.QuerySelector("#audit-user")?.GetAttribute("value"));
        Assert.Equal("/hub/api/audit?format=jsonl&user=chief", page.QuerySelector("#audit-export")?.GetAttribute("href"));
        Assert.Equal("GET /hub/api/audit?user=chief&offset=0&limit=50", page.QuerySelector("#audit-api")?.TextContent);
        Assert.NotNull(page.QuerySelector("#admin nav a[href='#audit-heading']"));
        var nobody = Parse(await chief.GetAsync("hub/admin?audit_user=nobody-at-all"));
        Assert.Empty(nobody.QuerySelectorAll("#audit-rows tr"));
        Assert.False(nobody.QuerySelector("#no-audit")!.HasAttribute("hidden"));

        // admin-ui with users and groups is no admin: no audit log.
        using var supportBrowser = await SignedInAsync("support");
        Assert.Null(Parse(await supportBrowser.GetAsync("hub/admin")).QuerySelector("#audit"));
    }

    [Fact]
    public async Task Names_are_encoded_and_the_pages_xsrf_token_lets_its_script_call_the_api()
    {
        const string hostile = "\"><img src=x onerror=alert(1)>";
        await using (var scope = _hub.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<UserStore>().CreateAsync([hostile], admin: false, T0, Api.Ct);
        }
        using var admin = await SignedInAsync("chief");
        var page = await admin.GetAsync("hub/admin?name_filter=onerror");
        Assert.DoesNotContain("<img src=x", page.Body, StringComparison.Ordinal);
        var document = Parse(page);
        Assert.Equal([hostile], Rows(document));
        Assert.Empty(document.QuerySelectorAll("img[src=x]"));

        // The script's calls: the login cookie plus X-XSRFToken from the page; without the header nothing changes.
        var xsrf = document.QuerySelector("#admin")!.GetAttribute("data-xsrf")!;
        var name = Api.Unique("made-by-page");
        using var forged = new HttpRequestMessage(HttpMethod.Post, $"hub/api/users/{name}");
        using (var response = await admin.Client.SendAsync(forged, Api.Ct))
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }
        using var real = new HttpRequestMessage(HttpMethod.Post, $"hub/api/users/{name}");
        real.Headers.Add("X-XSRFToken", xsrf);
        using (var response = await admin.Client.SendAsync(real, Api.Ct))
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }
        Assert.Equal([name], Rows(Parse(await admin.GetAsync("hub/admin?name_filter=" + name))));
    }

    [Theory]
    [InlineData("admin.js", "text/javascript")]
    [InlineData("admin-view.js", "text/javascript")]
    [InlineData("admin.css", "text/css")]
    public async Task The_pages_script_and_style_are_the_hubs_own_files(string name, string type)
    {
        using var response = await _hub.Client().GetAsync("hub/static/" + name, Api.Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(type, response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync(Api.Ct);
        // No other origin, and never text put into the page as HTML.
        Assert.DoesNotMatch("https?://", text);
        Assert.DoesNotContain("innerHTML", text, StringComparison.Ordinal);
    }

    private async Task<Browser> SignedInAsync(string user)
    {
        var browser = new Browser(_hub);
        await browser.LoginAsync(user, Password);
        return browser;
    }

    private static IDocument Parse(Page page) => new HtmlParser().ParseDocument(page.Body);

    private static List<string> Rows(IDocument document) =>
        [.. document.QuerySelectorAll("#user-rows tr.user-row").Select(r => r.GetAttribute("data-user")!)];

    private static IElement Server(IElement row, string name) =>
        row.QuerySelectorAll("li.server").Single(s => s.GetAttribute("data-server") == name);

    private static IElement? Term(IElement server, string term) =>
        server.QuerySelectorAll("dt").SingleOrDefault(d => d.TextContent == term)?.NextElementSibling;

    private static string? Fact(IElement server, string term) => Term(server, term)?.TextContent;
}
