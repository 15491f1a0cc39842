using Greyhub.Abstractions.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Hosted services that start once the application has started (the hub listens) instead of before it: housekeeping,
/// checks and reconcilers whose first round would otherwise take CPU from the start-up on a small machine and delay
/// the first answer (on 2 cores every such job competes with the start for the JIT and the database).
/// </summary>
public static partial class AfterStartHostedServices
{
    /// <summary>
    /// Adds <typeparamref name="T"/> (a singleton, resolvable as itself) as a hosted service started after
    /// <see cref="IHostApplicationLifetime.ApplicationStarted"/>. It stops in its registration's place, like any hosted
    /// service; a start that fails is logged and stops the application, as a failed start of the host would.
    /// </summary>
    public static IServiceCollection AddHostedServiceAfterStart<T>(this IServiceCollection services)
        where T : class, IHostedService
    {
        services.TryAddSingleton<T>();
        return services.AddHostedServiceAfterStart(sp => sp.GetRequiredService<T>());
    }

    /// <summary>Adds the hosted service <paramref name="factory"/> resolves, started after the application has started.</summary>
    public static IServiceCollection AddHostedServiceAfterStart<T>(this IServiceCollection services, Func<IServiceProvider, T> factory)
        where T : class, IHostedService
    {
        ArgumentNullException.ThrowIfNull(factory);
        services.TryAddSingleton<HostedServicesAfterStart>();
        // Not TryAddEnumerable: the implementation type is the same wrapper for every deferred service.
        services.AddSingleton<IHostedService>(sp => new AfterStart(() => factory(sp), sp.GetRequiredService<IHostApplicationLifetime>(),
            sp.GetRequiredService<HostedServicesAfterStart>(), sp.GetRequiredService<ILoggerFactory>().CreateLogger<T>()));
        return services;
    }

    private sealed partial class AfterStart(Func<IHostedService> resolve, IHostApplicationLifetime lifetime, HostedServicesAfterStart all, ILogger logger)
        : IHostedService, IDisposable
    {
        private readonly CancellationTokenSource _stopping = new();
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Lock _lock = new();
        private CancellationTokenRegistration _registration;
        private Task _started = Task.CompletedTask;
        private IHostedService? _service;
        private bool _disposed;

        public Task StartAsync(CancellationToken cancellationToken)
        {
            // Resolved now, so a missing dependency fails the start as before; only its start waits.
            var service = resolve();
            all.Add(_done.Task);
            _registration = lifetime.ApplicationStarted.Register(() =>
            {
                lock (_lock)
                {
                    if (!_stopping.IsCancellationRequested)
                    {
                        _service = service;
                        // Off the lifetime's callback: the other started-callbacks and the host's start do not wait for it.
                        _started = Task.Run(() => StartServiceAsync(service), CancellationToken.None);
                    }
                }
            });
            return Task.CompletedTask;
        }

        private async Task StartServiceAsync(IHostedService service)
        {
            try
            {
                await service.StartAsync(_stopping.Token);
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
            }
            catch (Exception ex)
            {
                LogFailed(logger, ex);
                lifetime.StopApplication();
            }
            finally
            {
                _done.TrySetResult();
            }
        }

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            IHostedService? service;
            Task started;
            // Outside the lock: disposing waits for a callback in progress, which takes the lock.
            _registration.Dispose();
            lock (_lock)
            {
                if (_disposed)
                {
                    // A host stopped again after its disposal (as a test's cleanup may do): nothing is left to stop.
                    return;
                }
                _stopping.Cancel();
                service = _service;
                started = _started;
            }
            if (service is null)
            {
                _done.TrySetResult();
                return;
            }
            await started.WaitAsync(cancellationToken).ConfigureAwait(false);
            await service.StopAsync(cancellationToken).ConfigureAwait(false);
        }

        public void Dispose()
        {
            _registration.Dispose();
            lock (_lock)
            {
                _disposed = true;
                _stopping.Dispose();
            }
        }

        [LoggerMessage(EventId = 90, Level = LogLevel.Critical, Message = "A hosted service started after the application had started failed to start; stopping the application")]
        private static partial void LogFailed(ILogger logger, Exception ex);
    }
}
