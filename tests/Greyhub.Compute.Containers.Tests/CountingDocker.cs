using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using Docker.DotNet;

namespace Greyhub.Compute.Containers.Tests;

/// <summary>
/// The test seam: an <see cref="IDockerClient"/> that forwards everything to a real client and counts each call made
/// through <see cref="IDockerClient.Containers"/> by method name.
/// </summary>
[SuppressMessage("Performance", "CA1852", Justification = "DispatchProxy derives from it")]
internal class CountingDocker : DispatchProxy
{
    private IDockerClient _inner = null!;
    private IContainerOperations _containers = null!;

    /// <summary>Calls so far, by <see cref="IContainerOperations"/> method name.</summary>
    public ConcurrentDictionary<string, int> Calls { get; } = new(StringComparer.Ordinal);

    /// <summary>Wraps <paramref name="inner"/>; <paramref name="counter"/> is the proxy object, to read its counts.</summary>
    public static IDockerClient Wrap(IDockerClient inner, out CountingDocker counter)
    {
        var client = Create<IDockerClient, CountingDocker>();
        counter = (CountingDocker)(object)client;
        counter._inner = inner;
        var containers = Create<IContainerOperations, CountingContainers>();
        ((CountingContainers)(object)containers).Init(inner.Containers, counter.Calls);
        counter._containers = containers;
        return client;
    }

    /// <summary>The number of calls to <paramref name="method"/>.</summary>
    public int Count(string method) => Calls.TryGetValue(method, out var n) ? n : 0;

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) =>
        targetMethod!.Name == "get_Containers" ? _containers : Forward(targetMethod, _inner, args);

    internal static object? Forward(MethodInfo method, object target, object?[]? args)
    {
        try
        {
            return method.Invoke(target, args);
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }
}

/// <summary>Counts and forwards <see cref="IContainerOperations"/> calls.</summary>
[SuppressMessage("Performance", "CA1852", Justification = "DispatchProxy derives from it")]
internal class CountingContainers : DispatchProxy
{
    private IContainerOperations _inner = null!;
    private ConcurrentDictionary<string, int> _calls = null!;

    public void Init(IContainerOperations inner, ConcurrentDictionary<string, int> calls)
    {
        _inner = inner;
        _calls = calls;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        _calls.AddOrUpdate(targetMethod!.Name, 1, (_, n) => n + 1);
        return CountingDocker.Forward(targetMethod, _inner, args);
    }
}
