using System.Text;
using System.Text.RegularExpressions;
using Greyhub.Hub.Login;
using Greyhub.Hub.OAuth;
using Greyhub.Hub.Upstream;
using Microsoft.Extensions.Configuration;

namespace Greyhub.Hub.Tests;

/// <summary>
/// The examples in <c>docs/authentication.md</c> (Microsoft Entra ID, Keycloak, Google, GitHub, and the hub's own third-party clients) are real
/// settings: each JSON snippet binds to the hub's options with unknown keys refused, and passes the start-up check.
/// </summary>
public sealed partial class AuthenticationDocsTests
{
    [Fact]
    public void Every_provider_example_binds_to_the_options_and_is_valid()
    {
        var markdown = File.ReadAllText(Path.Combine(RepoRoot(), "docs", "authentication.md"));
        var snippets = JsonBlock().Matches(markdown).Select(m => m.Groups[1].Value).ToList();
        var seen = new List<string>();
        foreach (var json in snippets)
        {
            var configuration = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();
            if (configuration.GetSection(OpenIdProviderOptions.Section).Exists())
            {
                // The hub as a provider: its third-party clients, checked the same way.
                var hubProvider = new OpenIdProviderOptions();
                configuration.GetSection(OpenIdProviderOptions.Section).Bind(hubProvider, b => b.ErrorOnUnknownConfiguration = true);
                var checkedProvider = new OpenIdProviderOptionsValidator().Validate(null, hubProvider);
                Assert.True(checkedProvider.Succeeded, $"{checkedProvider.FailureMessage}\n{json}");
                Assert.Equal(["dashboard", "notebook-viewer"], hubProvider.Clients.Select(c => c.ClientId));
                continue;
            }
            var options = new UpstreamLoginOptions();
            // A misspelt setting name in the docs fails here instead of being ignored at the reader's hub.
            configuration.GetSection(UpstreamLoginOptions.Section).Bind(options, b => b.ErrorOnUnknownConfiguration = true);
            var result = new UpstreamLoginOptionsValidator().Validate(null, options);
            Assert.True(result.Succeeded, $"{result.FailureMessage}\n{json}");
            var provider = Assert.Single(options.AllProviders());
            seen.Add(provider.Name);
            if (provider.Name == "github")
            {
                Assert.True(options.IsOAuth2(provider));
                Assert.Equal("login", provider.UsernameClaim);
                Assert.Equal("access_token", provider.SpawnerEnvironment["GITHUB_TOKEN"]);
            }
            if (provider.Name == "keycloak")
            {
                Assert.True(provider.EnableAuthState && provider.RefreshPreSpawn);
                Assert.Equal(TimeSpan.FromMinutes(5), provider.AuthRefreshAge);
            }
        }
        Assert.Equal(["entra", "keycloak", "google", "github"], seen);
    }

    [Fact]
    public void The_check_refuses_mixed_up_protocols_and_auth_state_options_without_auth_state()
    {
        var options = new UpstreamLoginOptions();
        options.OAuth2.Providers.Add(new UpstreamProviderOptions { Name = "gh", ClientId = "c", Issuer = "https://github.com", AuthorizationEndpoint = "http://example.org/a" });
        options.OpenIdConnect.Providers.Add(new UpstreamProviderOptions
        {
            Name = "gh",
            ClientId = "c",
            Issuer = "https://idp.example.org",
            TokenEndpoint = "https://idp.example.org/token",
            RefreshPreSpawn = true,
            SpawnerEnvironment = { ["JUPYTERHUB_API_TOKEN"] = "access_token", ["OK"] = "a..b" },
        });
        var failures = string.Join("\n", new UpstreamLoginOptionsValidator().Validate(null, options).Failures ?? []);
        Assert.Contains("AuthorizationEndpoint must use https", failures);
        Assert.Contains("TokenEndpoint must be an absolute URL", failures);
        Assert.Contains("UserInfoEndpoint must be an absolute URL", failures);
        Assert.Contains("an OAuth2 provider has no Issuer", failures);
        Assert.Contains("ClientSecret is required for an OAuth2 provider", failures);
        Assert.Contains("finds its endpoints by discovery", failures);
        Assert.Contains("provider name 'gh' is repeated", failures);
        Assert.Contains("need EnableAuthState", failures);
        Assert.Contains("not a JUPYTERHUB_ one", failures);
        Assert.Contains("needs a path in auth_state", failures);
    }

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Greyhub.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Greyhub.slnx not found above " + AppContext.BaseDirectory);
    }

    [GeneratedRegex("```json\\n(.*?)```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();
}
