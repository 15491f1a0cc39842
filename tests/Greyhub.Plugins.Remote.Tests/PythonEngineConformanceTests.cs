using Greyhub.Abstractions.Compute;
using Greyhub.Compute.TestKit;

namespace Greyhub.Plugins.Remote.Tests;

/// <summary>The Python reference plug-in passes the engine conformance kit through <see cref="RemoteComputeEngine"/>.</summary>
public sealed class PythonEngineConformanceTests : ComputeEngineConformance
{
    private PythonEngine? _plugin;

    protected override IComputeEngine CreateEngine() => _plugin!.Engine();

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        _plugin = await PythonEngine.StartAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        if (_plugin is not null)
        {
            await _plugin.DisposeAsync();
        }
    }
}
