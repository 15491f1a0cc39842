using System.Diagnostics;
using Greyhub.Abstractions.Authentication;
using Greyhub.Authentication.TestKit;
using Greyhub.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Greyhub.Plugins.Remote.Tests;

/// <summary>
/// The authenticator conformance kit through <see cref="RemoteAuthenticator"/> and the JupyterHub bridge, hosting the
/// tests' <c>GroupsAuthenticator</c> (a JupyterHub Authenticator subclass); the bridge runs as an operator would run it.
/// </summary>
public sealed class BridgeAuthenticatorConformanceTests : PasswordAuthenticatorConformance
{
    private Process? _bridge;
    private ServiceProvider? _services;

    protected override IReadOnlyList<(string User, string Password)> KnownUsers => [("alice", "alice-pass-1"), ("carol", "carol-pass-1")];

    protected override IPasswordAuthenticator CreateAuthenticator() => _services!.GetRequiredKeyedService<IPasswordAuthenticator>("bridge");

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        Requires.PythonModules("apt-get install -y jupyterhub python3-tornado python3-traitlets", "jupyterhub.auth", "tornado", "traitlets");
        var port = FreePort.Next();
        var secret = Guid.NewGuid().ToString("N");
        var psi = new ProcessStartInfo(DebianPython.Path) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in (string[])["-m", "greyhub_bridge", "-f", Path.Combine(JupyterHubBridge.TestData, "groups_config.py")])
        {
            psi.ArgumentList.Add(arg);
        }
        psi.Environment["PYTHONPATH"] = JupyterHubBridge.PackageRoot + ":" + JupyterHubBridge.TestData;
        psi.Environment["GREYHUB_PLUGIN_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        psi.Environment["GREYHUB_PLUGIN_SECRET"] = secret;
        _bridge = Process.Start(psi)!;
        _ = _bridge.StandardError.ReadToEndAsync();
        _ = _bridge.StandardOutput.ReadToEndAsync();
        var url = new Uri($"http://127.0.0.1:{port}/");
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().Build());
        services.AddRemoteAuthenticator("bridge", o =>
        {
            o.Url = url;
            o.Secret = secret;
            o.Timeout = TimeSpan.FromSeconds(10);
        });
        _services = services.BuildServiceProvider();
        var watch = Stopwatch.StartNew();
        var authenticator = (RemoteAuthenticator)CreateAuthenticator();
        while (true)
        {
            Assert.False(_bridge.HasExited, "the bridge ended at start");
            try
            {
                Assert.Equal("bridge_test_authenticator.GroupsAuthenticator", await authenticator.HandshakeAsync(TestContext.Current.CancellationToken));
                return;
            }
            catch (PluginException e) when (e.Kind is PluginFailure.Unreachable && watch.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(50, TestContext.Current.CancellationToken);
            }
        }
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }
        if (_bridge is { HasExited: false })
        {
            _bridge.Kill();
            await _bridge.WaitForExitAsync();
        }
        _bridge?.Dispose();
    }
}
