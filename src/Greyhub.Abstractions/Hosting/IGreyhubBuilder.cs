using Microsoft.Extensions.DependencyInjection;

namespace Greyhub.Abstractions.Hosting;

/// <summary>
/// What <c>AddGreyhub(...)</c> returns, for the bricks to plug into: <c>.UseSqlite()</c>, <c>.UsePostgres()</c>, an
/// engine, an authenticator. Each plug-in registers itself under its name; configuration picks among the registered
/// ones and an unknown name fails at start-up listing the valid ones.
/// </summary>
public interface IGreyhubBuilder
{
    /// <summary>The services being composed.</summary>
    IServiceCollection Services { get; }
}
