using Greyhub.Host;

// Socket completions run on the socket engine's thread instead of hopping to the thread pool: the proxy forwards
// each request with two fewer thread switches (measured: about a fifth more proxied requests per second on 2 cores).
// Read by the runtime when the first socket is made, so it is set before anything else; DOTNET_..._COMPLETIONS=0 opts out.
if (Environment.GetEnvironmentVariable(RuntimeSwitches.InlineSocketCompletions) is null)
{
    Environment.SetEnvironmentVariable(RuntimeSwitches.InlineSocketCompletions, "1");
}
return await GreyhubCommand.RunAsync(args);
