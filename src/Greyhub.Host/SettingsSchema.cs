using System.ComponentModel;
using System.Reflection;
using Microsoft.Extensions.Options;

namespace Greyhub.Host;

/// <summary>
/// What configuration can bind to, read by reflection from the options types the bricks bind (the same walk the
/// configuration binder makes): each node is a section of properties, a map, a list, a single value, or anything.
/// Types are mounted at their <c>Section</c>, so sections shared by several types (<c>Greyhub</c> and
/// <c>Greyhub:Database</c>) merge.
/// </summary>
internal sealed class SettingsSchema
{
    private SettingsSchema(SettingsKind kind, Type? type = null, SettingsSchema? element = null)
    {
        Kind = kind;
        Type = type;
        Element = element;
    }

    /// <summary>What this node holds.</summary>
    public SettingsKind Kind { get; private set; }

    /// <summary>The value's type (single values) or the bound type (sections; the first one mounted).</summary>
    public Type? Type { get; }

    /// <summary>The settings of a section, by key as the binder matches them (case-insensitive).</summary>
    public Dictionary<string, SettingsSchema> Properties { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>What each entry of a list or map is.</summary>
    public SettingsSchema? Element { get; }

    /// <summary>The schema of every options type bound in <paramref name="services"/>, each at its <c>Section</c>.</summary>
    /// <remarks>
    /// A bound type is one with a configuration change-token source (<c>BindConfiguration</c> registers one). Only
    /// Greyhub's own types are taken: the framework's options (logging, Kestrel) live outside its sections.
    /// </remarks>
    public static SettingsSchema FromServices(IServiceCollection services)
    {
        var root = new SettingsSchema(SettingsKind.Section);
        foreach (var type in BoundTypes(services))
        {
            var section = type.GetField("Section", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true } field
                && field.GetRawConstantValue() is string path
                ? path
                : throw new InvalidOperationException($"{type.FullName} is bound from configuration but declares no public const string Section; the settings check cannot place it.");
            root.Mount(section.Split(':'), Of(type, []));
        }
        return root;
    }

    /// <summary>Greyhub's options types that <paramref name="services"/> binds from configuration.</summary>
    public static IEnumerable<Type> BoundTypes(IServiceCollection services) => services
        .Select(d => d.ServiceType)
        .Where(t => t.IsGenericType && t.GetGenericTypeDefinition() == typeof(IOptionsChangeTokenSource<>))
        .Select(t => t.GetGenericArguments()[0])
        .Where(t => t.Assembly.GetName().Name?.StartsWith("Greyhub.", StringComparison.Ordinal) == true)
        .Distinct();

    /// <summary>Every path below this node where a setting named <paramref name="key"/> lives (lists and maps not entered).</summary>
    public IEnumerable<string> PathsOf(string key, string prefix = "")
    {
        if (Kind != SettingsKind.Section)
        {
            yield break;
        }
        foreach (var (name, child) in Properties)
        {
            var path = prefix.Length == 0 ? name : prefix + ":" + name;
            if (string.Equals(name, key, StringComparison.OrdinalIgnoreCase))
            {
                yield return path;
            }
            foreach (var below in child.PathsOf(key, path))
            {
                yield return below;
            }
        }
    }

    private void Mount(ReadOnlySpan<string> path, SettingsSchema schema)
    {
        if (path.IsEmpty)
        {
            Merge(schema);
            return;
        }
        if (!Properties.TryGetValue(path[0], out var child))
        {
            Properties[path[0]] = child = new SettingsSchema(SettingsKind.Section);
        }
        child.Mount(path[1..], schema);
    }

    private void Merge(SettingsSchema other)
    {
        if (other.Kind != SettingsKind.Section || Kind != SettingsKind.Section)
        {
            // Two types disagree on what a key is (a value here, a section there): accept anything rather than guess.
            Kind = SettingsKind.Any;
            Properties.Clear();
            return;
        }
        foreach (var (name, child) in other.Properties)
        {
            if (Properties.TryGetValue(name, out var mine))
            {
                mine.Merge(child);
            }
            else
            {
                Properties[name] = child;
            }
        }
    }

    /// <summary>The schema of <paramref name="type"/>, as Microsoft.Extensions.Configuration.Binder reads it.</summary>
    private static SettingsSchema Of(Type type, HashSet<Type> enclosing)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(object) || typeof(IConfiguration).IsAssignableFrom(type) || !enclosing.Add(type))
        {
            // Free-form, or a type that contains itself: the binder takes anything there, and so do we.
            return new SettingsSchema(SettingsKind.Any);
        }
        try
        {
            if (type == typeof(byte[]) || TypeDescriptor.GetConverter(type).CanConvertFrom(typeof(string)))
            {
                return new SettingsSchema(SettingsKind.Value, type);
            }
            if (ElementOf(type, typeof(IDictionary<,>), typeof(IReadOnlyDictionary<,>)) is { } entry)
            {
                return new SettingsSchema(SettingsKind.Map, type, Of(entry.GetGenericArguments()[1], enclosing));
            }
            if (type.IsArray)
            {
                return new SettingsSchema(SettingsKind.List, type, Of(type.GetElementType()!, enclosing));
            }
            if (ElementOf(type, typeof(IEnumerable<>)) is { } item)
            {
                return new SettingsSchema(SettingsKind.List, type, Of(item.GetGenericArguments()[0], enclosing));
            }
            var section = new SettingsSchema(SettingsKind.Section, type);
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (property.GetMethod is not { IsPublic: true } || property.GetIndexParameters().Length > 0)
                {
                    continue;
                }
                var schema = Of(property.PropertyType, enclosing);
                // The binder sets a public setter; without one it can only fill the existing section, list or map in place.
                if (property.SetMethod is { IsPublic: true } || schema.Kind is not (SettingsKind.Value or SettingsKind.Any))
                {
                    section.Properties.TryAdd(KeyOf(property), schema);
                }
            }
            // Types bound through their constructor (records without a parameterless one) take its parameters as keys.
            if (!type.IsValueType && type.GetConstructor(Type.EmptyTypes) is null
                && type.GetConstructors() is [var constructor])
            {
                foreach (var parameter in constructor.GetParameters())
                {
                    section.Properties.TryAdd(parameter.Name!, Of(parameter.ParameterType, enclosing));
                }
            }
            return section;
        }
        finally
        {
            enclosing.Remove(type);
        }
    }

    private static string KeyOf(PropertyInfo property) =>
        property.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name ?? property.Name;

    /// <summary>The closed form of the first of <paramref name="definitions"/> that <paramref name="type"/> is or implements.</summary>
    private static Type? ElementOf(Type type, params Type[] definitions) =>
        new[] { type }.Concat(type.GetInterfaces())
            .FirstOrDefault(t => t.IsGenericType && definitions.Contains(t.GetGenericTypeDefinition()));
}

/// <summary>What a configuration key binds to.</summary>
internal enum SettingsKind
{
    /// <summary>Named settings (an options class).</summary>
    Section,

    /// <summary>Entries under names of the user's choosing (a dictionary).</summary>
    Map,

    /// <summary>Entries under 0, 1, 2 ... (an array or a list).</summary>
    List,

    /// <summary>One value converted from text (a string, number, switch, duration, URL, enum).</summary>
    Value,

    /// <summary>Anything (free-form).</summary>
    Any,
}
