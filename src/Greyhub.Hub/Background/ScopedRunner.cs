using Microsoft.Extensions.DependencyInjection;

namespace Greyhub.Hub.Background;

/// <summary>
/// Opens a DI scope for work that outlives a request or has none: a job's run, a spawn, a stop, a metrics refresh.
/// The one place outside Hosting that resolves a service: the work names the scoped service it needs (a store, or a
/// small "run once" service) and gets it, so jobs and singletons never look services up themselves.
/// </summary>
internal sealed class ScopedRunner(IServiceScopeFactory scopes)
{
    /// <summary>Runs <paramref name="work"/> with a <typeparamref name="T"/> from a new scope, disposed after it.</summary>
    public async Task RunAsync<T>(Func<T, Task> work) where T : notnull
    {
        await using var scope = scopes.CreateAsyncScope();
        await work(scope.ServiceProvider.GetRequiredService<T>());
    }

    /// <summary>Runs <paramref name="work"/> with a <typeparamref name="T"/> from a new scope and returns its result.</summary>
    public async Task<TResult> RunAsync<T, TResult>(Func<T, Task<TResult>> work) where T : notnull
    {
        await using var scope = scopes.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<T>());
    }
}
