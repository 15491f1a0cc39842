using System.Reflection;
using Microsoft.Extensions.Logging;

namespace Greyhub.Proxy.Tests;

/// <summary>Every log line of the proxy brick takes its event id from <see cref="ProxyEvents"/>, and no id is used twice.</summary>
public sealed class ProxyEventIdTests
{
    [Fact]
    public void Every_logger_message_uses_a_distinct_id_defined_in_the_registry()
    {
        var registry = typeof(ProxyEvents).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral)
            .ToDictionary(f => f.Name, f => (int)f.GetRawConstantValue()!);
        Assert.Equal(registry.Count, registry.Values.Distinct().Count());

        var messages = typeof(ProxyEvents).Assembly.GetTypes()
            .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly))
            .Select(m => (Method: $"{m.DeclaringType!.FullName}.{m.Name}", Attribute: m.GetCustomAttribute<LoggerMessageAttribute>()))
            .Where(x => x.Attribute is not null)
            .ToList();
        Assert.NotEmpty(messages);
        var undefined = messages.Where(x => !registry.ContainsValue(x.Attribute!.EventId)).Select(x => x.Method).ToList();
        Assert.True(undefined.Count == 0, "Event ids not in ProxyEvents: " + string.Join(", ", undefined));
        var duplicates = messages.GroupBy(x => x.Attribute!.EventId).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        Assert.True(duplicates.Count == 0, "Event ids used twice: " + string.Join(", ", duplicates));
    }
}
