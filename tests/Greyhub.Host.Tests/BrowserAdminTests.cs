using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;

namespace Greyhub.Host.Tests;

/// <summary>
/// An administrator on <c>/hub/admin</c> in Debian's Chromium, against a real greyhub whose servers are Debian's
/// <c>jupyterhub-singleuser</c>: finds one user among thousands, adds a user, makes them an administrator, creates a
/// group and adds them, starts and stops their server, deletes them — by the page's script, through the REST API,
/// checked against the API after each step. Every state is checked by axe-core and saved as a screenshot.
/// </summary>
public sealed class BrowserAdminTests
{
    private const string Password = "analytical engine";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Admin_finds_adds_promotes_groups_starts_stops_and_deletes_a_user()
    {
        Greyhub.Testing.Requires.Program("/usr/bin/jupyterhub-singleuser", "apt-get install -y jupyterhub python3-ipykernel");
        var dataDir = Directory.CreateTempSubdirectory("greyhub-browser-admin-").FullName;
        var (code, _, stderr) = await GreyhubProcess.RunAsync(["users", "add", "--admin", "--password-stdin", "--data-dir", dataDir, "grace"], Password + "\n", Ct);
        Assert.True(code == 0, stderr);
        (code, var token, stderr) = await GreyhubProcess.RunAsync(["token", "--admin", "--data-dir", dataDir, "grace"], cancellationToken: Ct);
        Assert.True(code == 0, stderr);
        await using var hub = await GreyhubProcess.StartAsync(dataDir, cancellationToken: Ct);
        using var api = new HttpClient { BaseAddress = hub.Address };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("token", token.Trim());

        // Thousands of users, one of them the one we look for.
        var many = Enumerable.Range(1, 2500).Select(i => $"member-{i:D4}").Append("needle-ada").ToArray();
        using (var created = await api.PostAsJsonAsync("hub/api/users", new { usernames = many }, Ct))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        await using var chromium = await Chromium.OpenPageAsync(90_000, b => PageChecks.NewContextAsync(b));
        var page = chromium.Page;
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);
        // The browser reports a refused call (the 409 below) as a failed resource load: only the script's own errors count.
        page.Console += (_, m) => { if (m.Type == "error" && !m.Text.StartsWith("Failed to load resource", StringComparison.Ordinal)) errors.Add(m.Text); };

        await SignInAsync(page, hub, "hub/admin");
        Assert.EndsWith("/hub/admin", page.Url);
        Assert.Equal("1–50 of 2,502 users", await page.InnerTextAsync("#user-range"));
        // The script has taken over: its controls show.
        await page.Locator("#add-users-panel").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Visible });
        await PageChecks.CheckAsync(page, "admin-01-users");

        // Search as you type, by the keyboard: one user among 2,502, and the address follows.
        await page.FocusAsync("#name-filter");
        await page.Keyboard.TypeAsync("NEEDLE");
        await page.Locator("#user-range", new() { HasTextString = "1–1 of 1 user" }).WaitForAsync();
        Assert.Equal(["needle-ada"], await Rows(page));
        Assert.Contains("name_filter=NEEDLE", page.Url);
        Assert.Contains("GET /hub/api/users?offset=0&limit=50&name_filter=NEEDLE", await page.InnerTextAsync("#users-api"));
        await PageChecks.CheckAsync(page, "admin-02-search");

        // Add a user (the form opens from its summary); search for them.
        await page.ClickAsync("#add-users-panel summary");
        await page.FillAsync("#new-usernames", "lovelace");
        await page.ClickAsync("#add-users");
        await page.Locator("#admin-messages .alert.success", new() { HasTextString = "Added lovelace" }).WaitForAsync();
        await SearchAsync(page, "lovelace");
        Assert.Equal(["lovelace"], await Rows(page));

        // Make them an administrator in the edit dialog, which says the call it makes.
        var row = page.Locator("#user-rows tr[data-user='lovelace']");
        // By the keyboard first: Enter opens the dialog, Escape closes it and the focus is back where it was.
        await row.Locator("button[data-action='edit']").FocusAsync();
        await page.Keyboard.PressAsync("Enter");
        await page.Locator("#edit-user-dialog[open]").WaitForAsync();
        await page.Keyboard.PressAsync("Escape");
        await page.Locator("#edit-user-dialog:not([open])").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached });
        Assert.Equal("edit", await page.EvaluateAsync<string>("() => document.activeElement.dataset.action"));
        await row.Locator("button[data-action='edit']").ClickAsync();
        await page.Locator("#edit-user-dialog[open]").WaitForAsync();
        Assert.Equal("edit-name", await page.EvaluateAsync<string>("() => document.activeElement.id"));
        Assert.Equal("PATCH /hub/api/users/lovelace", await page.InnerTextAsync("#edit-api"));
        await page.CheckAsync("#edit-admin");
        await PageChecks.CheckAsync(page, "admin-03-edit-user");
        await page.ClickAsync("#edit-save");
        await page.Locator("#user-rows tr[data-user='lovelace'][data-admin='true'] .admin-badge").WaitForAsync();
        // The dialog gave the focus back to the row's Edit button.
        Assert.Equal("edit", await page.EvaluateAsync<string>("() => document.activeElement.dataset.action"));
        Assert.True((await UserAsync(api, "lovelace")).GetProperty("admin").GetBoolean());

        // A group, with lovelace in it.
        await page.FillAsync("#new-group", "analysts");
        await page.ClickAsync("#create-group");
        var group = page.Locator("#group-rows tr[data-group='analysts']");
        await group.WaitForAsync();
        await group.Locator("input[name='user']").FillAsync("lovelace");
        await group.Locator("input[name='user']").PressAsync("Enter");
        await group.Locator("li.member[data-user='lovelace']").WaitForAsync();
        await row.Locator("td[data-label='Groups']", new() { HasTextString = "analysts" }).WaitForAsync();
        Assert.Equal(["analysts"], (await UserAsync(api, "lovelace")).GetProperty("groups").EnumerateArray().Select(g => g.GetString()));
        // A group that exists: the API's refusal, readable, with the call that failed.
        await page.FillAsync("#new-group", "analysts");
        await page.ClickAsync("#create-group");
        var refusal = page.Locator("#admin-messages .alert.error[role='alert']");
        await refusal.WaitForAsync();
        Assert.Contains("already exists", await refusal.InnerTextAsync());
        Assert.Contains("POST /hub/api/groups/analysts → 409", await refusal.InnerTextAsync());
        await PageChecks.CheckAsync(page, "admin-04-groups-and-an-error");

        // Start lovelace's default server: a real jupyterhub-singleuser on the local engine.
        var server = row.Locator("li.server[data-server='']");
        await server.Locator("button[data-action='start']").ClickAsync();
        await row.Locator("li.server[data-server=''][data-phase='running']").WaitForAsync();
        Assert.Equal("local", await FactAsync(server, "Engine"));
        Assert.Equal("default", await FactAsync(server, "Profile"));
        // Its age: when it started, exact in the time element.
        Assert.True(DateTimeOffset.TryParse(await server.Locator("dd time").First.GetAttributeAsync("datetime"), out _));
        Assert.Equal("/user/lovelace/", await server.Locator("a[data-action='open']").GetAttributeAsync("href"));
        var model = (await UserAsync(api, "lovelace")).GetProperty("servers").GetProperty("");
        Assert.True(model.GetProperty("ready").GetBoolean());
        using (var status = await api.GetAsync("user/lovelace/api/status", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, status.StatusCode);
        }
        await PageChecks.CheckAsync(page, "admin-05-server-running");

        // Stop it, after saying so.
        await server.Locator("button[data-action='stop']").ClickAsync();
        await page.Locator("#confirm-dialog[open]").WaitForAsync();
        Assert.Equal("Stop the default server of lovelace?", await page.InnerTextAsync("#confirm-title"));
        Assert.Equal("DELETE /hub/api/users/lovelace/server", await page.InnerTextAsync("#confirm-api"));
        Assert.Equal("confirm-cancel", await page.EvaluateAsync<string>("() => document.activeElement.id"));
        await PageChecks.CheckAsync(page, "admin-06-confirm-stop");
        await page.ClickAsync("#confirm-ok");
        await row.Locator("li.server[data-server=''][data-phase='stopped']").WaitForAsync();
        Assert.False((await UserAsync(api, "lovelace")).GetProperty("servers").TryGetProperty("", out _));

        // Delete lovelace: Edit, Delete, confirm. The row, the user and the membership are gone.
        await row.Locator("button[data-action='edit']").ClickAsync();
        await page.ClickAsync("#edit-delete");
        await page.Locator("#confirm-dialog[open]").WaitForAsync();
        Assert.Equal("Delete lovelace?", await page.InnerTextAsync("#confirm-title"));
        await page.ClickAsync("#confirm-ok");
        await page.Locator("#no-users").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Visible });
        Assert.Empty(await Rows(page));
        await group.Locator("li", new() { HasTextString = "no members" }).WaitForAsync();
        using (var gone = await api.GetAsync("hub/api/users/lovelace", Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }
        // Every change is in the page's log of API calls, as made.
        Assert.Equal(["POST /hub/api/users", "PATCH /hub/api/users/lovelace", "POST /hub/api/groups/analysts", "POST /hub/api/groups/analysts/users",
            "POST /hub/api/groups/analysts", "POST /hub/api/users/lovelace/server", "DELETE /hub/api/users/lovelace/server", "DELETE /hub/api/users/lovelace"],
            (await page.Locator("#api-log-list li > code:first-child").AllTextContentsAsync()).ToArray());
        await page.ClickAsync("#api-log summary");
        await SearchAsync(page, "");
        await PageChecks.CheckAsync(page, "admin-07-after");

        // On a phone: one column, nothing wider than the screen.
        await using (var phone = await PageChecks.NewContextAsync(chromium.Browser, new ViewportSize { Width = 390, Height = 844 }))
        {
            var small = await phone.NewPageAsync();
            await SignInAsync(small, hub, "hub/admin?name_filter=member-000");
            await PageChecks.CheckAsync(small, "admin-08-phone");
            Assert.False(await small.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth"), "the admin page scrolls sideways on a phone");
        }
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Admin_pages_renames_and_changes_members_and_the_script_draws_what_the_server_draws()
    {
        var dataDir = Directory.CreateTempSubdirectory("greyhub-browser-admin-").FullName;
        var (code, _, stderr) = await GreyhubProcess.RunAsync(["users", "add", "--admin", "--password-stdin", "--data-dir", dataDir, "grace"], Password + "\n", Ct);
        Assert.True(code == 0, stderr);
        (code, var token, stderr) = await GreyhubProcess.RunAsync(["token", "--admin", "--data-dir", dataDir, "grace"], cancellationToken: Ct);
        Assert.True(code == 0, stderr);
        await using var hub = await GreyhubProcess.StartAsync(dataDir, cancellationToken: Ct);
        using var api = new HttpClient { BaseAddress = hub.Address };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("token", token.Trim());
        var crew = Enumerable.Range(1, 120).Select(i => $"member-{i:D4}").ToArray();
        foreach (var (method, path, body) in new (string, string, object)[]
        {
            ("POST", "hub/api/users", new { usernames = crew }),
            ("PATCH", "hub/api/users/member-0002", new { admin = true }),
            ("POST", "hub/api/groups/crew", new { users = new[] { "member-0001", "member-0002", "member-0003" } }),
        })
        {
            using var response = await api.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = JsonContent.Create(body) }, Ct);
            Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode}");
        }

        await using var chromium = await Chromium.OpenPageAsync(60_000, b => PageChecks.NewContextAsync(b));
        var page = chromium.Page;
        await SignInAsync(page, hub, "hub/admin");
        await page.Locator("#add-users-panel").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Visible });

        // Pages by the script: Next, then Previous; the address follows, so a reload shows the same page.
        Assert.Equal("grace", (await Rows(page))[0]);
        await page.ClickAsync("#users-next");
        await page.Locator("#user-range", new() { HasTextString = "51–100 of 121 users" }).WaitForAsync();
        Assert.Equal(crew[49..99], await Rows(page));
        Assert.Contains("offset=50", page.Url);
        await page.ReloadAsync();
        await page.Locator("#add-users-panel").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Visible });
        Assert.Equal(crew[49..99], await Rows(page));
        await page.ClickAsync("#users-prev");
        await page.Locator("#user-range", new() { HasTextString = "1–50 of 121 users" }).WaitForAsync();
        // The first page has no Previous: the focus went to Next rather than nowhere.
        Assert.Equal("users-next", await page.EvaluateAsync<string>("() => document.activeElement.id"));

        // A rename to a name that exists: the API's refusal in the dialog, which stays open; then a good one.
        await SearchAsync(page, "member-000");
        var row = page.Locator("#user-rows tr[data-user='member-0003']");
        await row.Locator("button[data-action='edit']").ClickAsync();
        await page.FillAsync("#edit-name", "member-0002");
        await page.ClickAsync("#edit-save");
        await page.Locator("#edit-user-error:not([hidden])").WaitForAsync();
        Assert.Contains("already exists", await page.InnerTextAsync("#edit-user-error"));
        Assert.Contains("PATCH /hub/api/users/member-0003 → 400", await page.InnerTextAsync("#edit-user-error"));
        await PageChecks.CheckAsync(page, "admin-09-rename-refused");
        await page.FillAsync("#edit-name", "member-0003-new");
        await page.ClickAsync("#edit-save");
        await page.Locator("#user-rows tr[data-user='member-0003-new']").WaitForAsync();
        await page.Locator("#group-rows li.member[data-user='member-0003-new']").WaitForAsync();
        using (var renamed = await api.GetAsync("hub/api/users/member-0003-new", Ct))
        {
            Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        }

        // Members: add one by the group's field, remove one by its chip.
        var group = page.Locator("#group-rows tr[data-group='crew']");
        await group.Locator("input[name='user']").FillAsync("member-0004");
        await group.Locator("button[type='submit']").ClickAsync();
        await group.Locator("li.member[data-user='member-0004']").WaitForAsync();
        await group.Locator("li.member[data-user='member-0001'] button[data-action='remove-member']").ClickAsync();
        await group.Locator("li.member[data-user='member-0001']").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Detached });
        var members = JsonDocument.Parse(await api.GetStringAsync("hub/api/groups/crew", Ct)).RootElement.GetProperty("users");
        Assert.Equal(["member-0002", "member-0003-new", "member-0004"], members.EnumerateArray().Select(m => m.GetString()).Order(StringComparer.Ordinal));

        // The rows the script drew from the API are the rows the server renders for the same address.
        var drawn = await DrawnAsync(page);
        await page.ReloadAsync();
        await page.Locator("#add-users-panel").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Visible });
        Assert.Equal(drawn, await DrawnAsync(page));

        // Delete the group, after saying so.
        await group.Locator("button[data-action='delete-group']").ClickAsync();
        Assert.Equal("DELETE /hub/api/groups/crew", await page.InnerTextAsync("#confirm-api"));
        await page.ClickAsync("#confirm-ok");
        await page.Locator("#no-groups").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Visible });
        using (var gone = await api.GetAsync("hub/api/groups/crew", Ct))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        }
        await PageChecks.CheckAsync(page, "admin-10-no-groups");

        // In the dark colour scheme, with a dialog open: checked again (contrast is the usual casualty).
        await using var dark = await PageChecks.NewContextAsync(chromium.Browser, scheme: ColorScheme.Dark);
        var night = await dark.NewPageAsync();
        await SignInAsync(night, hub, "hub/admin?name_filter=member-000");
        await night.Locator("#user-rows tr[data-user='member-0002'] button[data-action='edit']").ClickAsync();
        await night.Locator("#edit-user-dialog[open]").WaitForAsync();
        await PageChecks.CheckAsync(night, "admin-11-dark-edit");
    }

    /// <summary>
    /// The users' and groups' rows as a canonical string: elements, attributes, text. Left out: the script-only markers
    /// (<c>hidden</c>, class <c>needs-script</c>) and a form's <c>action</c>, which Blazor's static rendering writes as
    /// the page's own address into every form that has none (these forms only ever submit through the script).
    /// </summary>
    private static async Task<string> DrawnAsync(IPage page) => await page.EvaluateAsync<string>("""
        () => {
          const canonical = (node) => {
            if (node.nodeType === Node.TEXT_NODE) return node.textContent.replace(/\s+/g, ' ').trim() || null;
            if (node.nodeType !== Node.ELEMENT_NODE) return null;
            const tag = node.tagName.toLowerCase();
            const attributes = [...node.attributes].filter((a) => a.name !== 'hidden' && !(tag === 'form' && a.name === 'action'))
              .map((a) => a.name === 'class' ? `class="${a.value.split(/\s+/).filter((c) => c && c !== 'needs-script').join(' ')}"` : `${a.name}="${a.value}"`)
              .sort();
            return `<${[tag, ...attributes].join(' ')}>${[...node.childNodes].map(canonical).filter((c) => c !== null).join('')}</${tag}>`;
          };
          return canonical(document.querySelector('#user-rows')) + canonical(document.querySelector('#group-rows'));
        }
        """);

    private static string Url(GreyhubProcess hub, string path) => new Uri(hub.Address, path).ToString();

    /// <summary>Signs in as grace through the login form and lands on <paramref name="next"/>, an admin page.</summary>
    private static async Task SignInAsync(IPage page, GreyhubProcess hub, string next)
    {
        await page.GotoAsync(Url(hub, "hub/login?next=" + Uri.EscapeDataString("/" + next)));
        await page.FillAsync("#username_input", "grace");
        await page.FillAsync("#password_input", Password);
        await page.ClickAsync("#login_submit");
        await page.Locator("#user-rows tr.user-row").First.WaitForAsync();
    }

    private static async Task<string[]> Rows(IPage page) =>
        [.. await page.Locator("#user-rows tr.user-row").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.user)")];

    /// <summary>Types a search (replacing the last) and waits for the list the API gives for it.</summary>
    private static async Task SearchAsync(IPage page, string text)
    {
        var listed = page.WaitForResponseAsync(r => r.Url.Contains("/hub/api/users?", StringComparison.Ordinal)
            && (text.Length == 0 ? !r.Url.Contains("name_filter", StringComparison.Ordinal) : r.Url.Contains("name_filter=" + Uri.EscapeDataString(text), StringComparison.Ordinal)));
        await page.FillAsync("#name-filter", text);
        await listed;
        // The list is drawn once the response is read (aria-busy until then).
        await page.WaitForFunctionAsync("() => document.querySelector('#user-rows').getAttribute('aria-busy') !== 'true'");
    }

    /// <summary>What a server's facts list says for <paramref name="term"/> (Started, Last activity, Profile, Engine).</summary>
    private static Task<string?> FactAsync(ILocator server, string term) =>
        server.EvaluateAsync<string?>("(li, term) => [...li.querySelectorAll('dt')].find(d => d.textContent === term)?.nextElementSibling?.textContent ?? null", term);

    private static async Task<JsonElement> UserAsync(HttpClient api, string name)
    {
        var body = await api.GetStringAsync($"hub/api/users/{name}?include_stopped_servers=0", Ct);
        return JsonDocument.Parse(body).RootElement;
    }
}
