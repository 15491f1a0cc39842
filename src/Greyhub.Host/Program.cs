using Greyhub.Abstractions.Hosting;
using Greyhub.Host;

StartupTimeline.Mark("main");

// Socket completions run on the socket engine's thread instead of hopping to the thread pool: the proxy forwards
// each request with two fewer thread switches (measured: about a fifth more proxied requests per second on 2 cores).
// Read by the runtime when the first socket is made, so it is set before anything else; DOTNET_..._COMPLETIONS=0 opts out.
// Not with a database reached over the network (PostgreSQL): its driver's completions then run on the socket thread
// too, and under load a connection open waiting on that same thread never completed (every request stalled; seen
// with 32 clients listing users). The embedded SQLite makes no socket.
if (Environment.GetEnvironmentVariable(RuntimeSwitches.InlineSocketCompletions) is null
    && DatabaseProvider(args).Equals("sqlite", StringComparison.OrdinalIgnoreCase))
{
    Environment.SetEnvironmentVariable(RuntimeSwitches.InlineSocketCompletions, "1");
}
// With inline completions the runtime runs one socket thread per core, and proxied requests are handled entirely on
// those threads (the hub's own requests are moved to the thread pool). One per two cores measured best on 2 cores: with
// 1 thread the proxy served as many requests per second as with 2 or 4, with a sixth less CPU per request and a lower
// p99 (benchmarks/compute); the other core is left to the servers and their clients. Set the variable to override.
if (Environment.GetEnvironmentVariable(RuntimeSwitches.SocketThreadCount) is null)
{
    Environment.SetEnvironmentVariable(RuntimeSwitches.SocketThreadCount, Math.Max(1, Environment.ProcessorCount / 2).ToString(System.Globalization.CultureInfo.InvariantCulture));
}
return await GreyhubCommand.RunAsync(args);

// A greyhub.json that does not parse is reported by the command that reads configuration (--help and zarr need none).
static string DatabaseProvider(string[] args)
{
    try
    {
        return HubHost.Configuration(new ConfigurationBuilder(), args).Build()["Greyhub:Database:Provider"] ?? "sqlite";
    }
    catch (InvalidDataException)
    {
        return "sqlite";
    }
}
