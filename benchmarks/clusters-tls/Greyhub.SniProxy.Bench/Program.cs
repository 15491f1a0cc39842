using Greyhub.Proxy.Sni;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// The SNI proxy in a process of its own. Arguments: --SniProxy:Port=0 --Routes:NAME=HOST:PORT ...
// Prints "LISTENING <port>"; answers each stdin line "accepted" with the number of connections accepted so far; stops at end of stdin.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, DisableDefaults = true });
builder.Configuration.AddCommandLine(args);
builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning);
builder.Services.AddSniProxy(builder.Configuration.GetSection("SniProxy"));
using var host = builder.Build();
await host.StartAsync();

var routes = host.Services.GetRequiredService<ISniRoutes>();
foreach (var route in builder.Configuration.GetSection("Routes").GetChildren())
{
    var colon = route.Value!.LastIndexOf(':');
    routes.Set(route.Key, route.Value[..colon], int.Parse(route.Value[(colon + 1)..]));
}
var service = host.Services.GetRequiredService<SniProxyService>();
Console.WriteLine($"LISTENING {host.Services.GetRequiredService<ISniProxyEndpoint>().Port}");
while (await Console.In.ReadLineAsync() is { } line)
{
    if (line == "accepted")
    {
        Console.WriteLine(service.AcceptedConnections);
    }
}
await host.StopAsync();
