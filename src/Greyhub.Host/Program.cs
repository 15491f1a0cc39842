using Greyhub.Host;

// Socket completions run on the socket engine's thread instead of hopping to the thread pool: the proxy forwards
// each request with two fewer thread switches (measured: about a fifth more proxied requests per second on 2 cores).
// Read by the runtime when the first socket is made, so it is set before anything else; DOTNET_..._COMPLETIONS=0 opts out.
if (Environment.GetEnvironmentVariable(RuntimeSwitches.InlineSocketCompletions) is null)
{
    Environment.SetEnvironmentVariable(RuntimeSwitches.InlineSocketCompletions, "1");
}
// With inline completions the runtime runs one socket thread per core. Proxied requests are handled entirely on those
// threads, and when one is preempted (the machine also runs the servers and their clients) its connections wait:
// twice as many, at least 4, measured best on 2 cores (about a quarter more requests per second than 2).
if (Environment.GetEnvironmentVariable(RuntimeSwitches.SocketThreadCount) is null)
{
    Environment.SetEnvironmentVariable(RuntimeSwitches.SocketThreadCount, Math.Max(4, 2 * Environment.ProcessorCount).ToString(System.Globalization.CultureInfo.InvariantCulture));
}
return await GreyhubCommand.RunAsync(args);
