using Greyhub.Abstractions.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Greyhub.Hub.Tests;

/// <summary>
/// <c>AddHostedServiceAfterStart</c>: the service starts only once the application has started (after every hosted
/// service started with the host), stops with the host, and is never started when the host stops before it started.
/// </summary>
public sealed class AfterStartHostedServicesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_deferred_service_starts_after_the_application_started_and_stops_with_the_host()
    {
        var log = new Log();
        using var host = Microsoft.Extensions.Hosting.Host.CreateDefaultBuilder().ConfigureServices(s =>
        {
            s.AddSingleton(log);
            s.AddHostedServiceAfterStart<Deferred>();
            s.AddHostedService<Ordinary>();
        }).Build();
        host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStarted.Register(() => log.Add("application started"));

        await host.StartAsync(Ct);
        await host.Services.GetRequiredService<HostedServicesAfterStart>().AllStarted.WaitAsync(Ct);
        // The ordinary service was registered after the deferred one and still started first; the deferred one only
        // once the application had started (its start races the other started-callbacks, so their order is free).
        Assert.Equal("ordinary started", log.Lines[0]);
        Assert.Equal(["application started", "deferred started"], log.Lines.Skip(1).Order(StringComparer.Ordinal));

        await host.StopAsync(Ct);
        Assert.Equal("deferred stopped", log.Lines[^1]);
        Assert.Contains("ordinary stopped", log.Lines);
    }

    [Fact]
    public async Task A_host_stopped_before_it_started_never_starts_the_deferred_service()
    {
        var log = new Log();
        using var host = Microsoft.Extensions.Hosting.Host.CreateDefaultBuilder().ConfigureServices(s =>
        {
            s.AddSingleton(log);
            s.AddHostedServiceAfterStart<Deferred>();
            // Fails the host's start: ApplicationStarted never comes.
            s.AddHostedService<Failing>();
        }).Build();

        var failed = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync(Ct));
        Assert.Contains("never starts", failed.ToString(), StringComparison.Ordinal);
        await host.StopAsync(Ct);
        Assert.DoesNotContain("deferred started", log.Lines);
        Assert.DoesNotContain("deferred stopped", log.Lines);
    }

    private sealed class Log
    {
        private readonly List<string> _lines = [];

        public string[] Lines
        {
            get
            {
                lock (_lines)
                {
                    return [.. _lines];
                }
            }
        }

        public void Add(string line)
        {
            lock (_lines)
            {
                _lines.Add(line);
            }
        }
    }

    private sealed class Deferred(Log log, IHostApplicationLifetime lifetime) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            // Started from an ApplicationStarted callback on the thread pool: other callbacks may still be running.
            log.Add(lifetime.ApplicationStarted.IsCancellationRequested ? "deferred started" : "deferred started too early");
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            log.Add("deferred stopped");
            return Task.CompletedTask;
        }
    }

    private sealed class Ordinary(Log log) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            log.Add("ordinary started");
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken)
        {
            log.Add("ordinary stopped");
            return Task.CompletedTask;
        }
    }

    private sealed class Failing : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => throw new InvalidOperationException("this service never starts");

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
