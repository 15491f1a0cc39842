using System.Globalization;
using System.Text.Json;
using Greyhub.Abstractions.Compute;

namespace Greyhub.Compute.Containers;

public sealed partial class ContainerEngine
{
    /// <inheritdoc />
    /// <remarks>
    /// One list of this hub's containers (the <c>greyhub.key</c> label is set at create, so even a container created but
    /// never started is found), plus one inspect for the host port of a host-network job that picks one.
    /// </remarks>
    public async Task<JobHandle?> FindAsync(JobSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Key is not { } key || !JobSpec.IsValidKey(key))
        {
            return null;
        }
        var found = (await ListAsync(cancellationToken))
            .Where(c => ContainerSpec.IsOurs(c.Labels, _options) && c.Labels.TryGetValue(ContainerSpec.KeyLabel, out var k) && k == key)
            .OrderByDescending(c => c.Created)
            .FirstOrDefault();
        if (found is null)
        {
            return null;
        }
        var name = found.Names.FirstOrDefault()?.TrimStart('/') ?? found.ID;
        var hasPort = spec.PortVariable is { Length: > 0 };
        int? hostPort = null;
        if (hasPort && _options.NetworkMode == ContainerNetworkMode.Host && await InspectOursAsync(found.ID, cancellationToken) is { } info)
        {
            var prefix = spec.PortVariable + "=";
            hostPort = info.Config.Env?.FirstOrDefault(e => e.StartsWith(prefix, StringComparison.Ordinal)) is { } setting
                && int.TryParse(setting.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var port) ? port : null;
        }
        var state = new ContainerJobState(found.ID, name, _options.InstanceId, hasPort, hostPort, Path.Combine(_options.LogsDirectory, name + ".log"));
        return new JobHandle(Name, found.ID, JsonSerializer.Serialize(state, ContainerJson.Default.ContainerJobState));
    }
}
