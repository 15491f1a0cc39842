using System.Globalization;
using Docker.DotNet.Models;
using Greyhub.Abstractions.Compute;

namespace Greyhub.Compute.Containers;

/// <summary>Turns a <see cref="JobSpec"/> into the Docker Engine API's create request, under the engine's options.</summary>
internal static class ContainerSpec
{
    /// <summary>Marks every container this engine creates.</summary>
    public const string ManagedLabel = "greyhub.managed";

    /// <summary>The hub instance that owns a container.</summary>
    public const string InstanceLabel = "greyhub.instance";

    /// <summary>The job's name, for people.</summary>
    public const string JobLabel = "greyhub.job";

    /// <summary>The job's <see cref="JobSpec.Key"/>, when it has one.</summary>
    public const string KeyLabel = "greyhub.key";

    /// <summary>The image to run: the job's, else the default; anything not allowed is refused.</summary>
    public static string Image(JobSpec spec, ContainerEngineOptions options)
    {
        var image = spec.Image ?? options.DefaultImage;
        if (image == options.DefaultImage || options.AllowedImages?.Contains(image, StringComparer.Ordinal) == true)
        {
            return image;
        }
        var allowed = string.Join(", ", new[] { options.DefaultImage }.Concat(options.AllowedImages ?? []).Distinct(StringComparer.Ordinal));
        throw new ArgumentException(
            $"Image '{image}' is not allowed on the containers engine; allowed images: {allowed} ({ContainerEngineOptions.Section}:AllowedImages).",
            nameof(spec));
    }

    /// <summary>Whether labels carry this hub's marker: only such containers are ever stopped, removed or read.</summary>
    public static bool IsOurs(IDictionary<string, string>? labels, ContainerEngineOptions options) =>
        labels is not null
        && labels.TryGetValue(ManagedLabel, out var managed) && managed == "true"
        && labels.TryGetValue(InstanceLabel, out var instance) && instance == options.InstanceId;

    /// <summary>The label filter that lists this hub's containers, and nothing else, in one call.</summary>
    public static IDictionary<string, IDictionary<string, bool>> Filter(ContainerEngineOptions options) =>
        new Dictionary<string, IDictionary<string, bool>>
        {
            ["label"] = new Dictionary<string, bool>
            {
                [$"{ManagedLabel}=true"] = true,
                [$"{InstanceLabel}={options.InstanceId}"] = true,
            },
        };

    /// <summary>The create request. <paramref name="hostPort"/> is the port a host-network job binds.</summary>
    public static CreateContainerParameters Create(JobSpec spec, string image, string name, int? hostPort, ContainerEngineOptions options)
    {
        var publish = options.NetworkMode == ContainerNetworkMode.Publish;
        var wantsPort = spec.PortVariable is { Length: > 0 };
        var env = new Dictionary<string, string>(spec.Environment, StringComparer.Ordinal);
        if (spec.HostVariable is { Length: > 0 } hostVariable)
        {
            // Published ports reach the container's own interfaces; on the host network, loopback only.
            env[hostVariable] = publish ? "0.0.0.0" : "127.0.0.1";
        }
        if (spec.PortVariable is { Length: > 0 } portVariable)
        {
            env[portVariable] = (publish ? options.ContainerPort : hostPort ?? 0).ToString(CultureInfo.InvariantCulture);
        }
        var labels = new Dictionary<string, string>(spec.Labels, StringComparer.Ordinal)
        {
            // The engine's own labels win over the job's: a job cannot forge or drop the marker.
            [ManagedLabel] = "true",
            [InstanceLabel] = options.InstanceId,
            [JobLabel] = spec.Name,
        };
        if (spec.Key is { } key)
        {
            labels[KeyLabel] = key;
        }
        var containerPort = $"{options.ContainerPort.ToString(CultureInfo.InvariantCulture)}/tcp";
        var host = new HostConfig
        {
            Init = options.Init,
            Runtime = options.Runtime,
            NetworkMode = publish ? options.Network : "host",
            RestartPolicy = new RestartPolicy { Name = RestartPolicyKind.No },
            Ulimits = [.. options.Ulimits.Select(Ulimit)],
            ExtraHosts = options.ExtraHosts is { Count: > 0 } hosts ? [.. hosts] : null,
            Binds = spec.WorkingDirectory is { } folder ? [$"{folder}:{folder}:rw"] : null,
            CapDrop = options.DropCapabilities ? ["ALL"] : null,
            SecurityOpt = options.DropCapabilities ? ["no-new-privileges"] : null,
            PortBindings = publish && wantsPort
                ? new Dictionary<string, IList<PortBinding>> { [containerPort] = [new PortBinding { HostIP = options.PublishAddress, HostPort = "0" }] }
                : null,
        };
        if (spec.Resources.Cpus is { } cpus)
        {
            host.NanoCPUs = (long)Math.Round(cpus * 1e9);
        }
        if (spec.Resources.MemoryBytes is { } memory)
        {
            // Memory plus swap equals memory: no swap beyond the limit, so the limit is the limit.
            host.Memory = memory;
            host.MemorySwap = memory;
        }
        return new CreateContainerParameters
        {
            Name = name,
            Image = image,
            // The command replaces the image's entrypoint and command: the job runs exactly what it asked for.
            Entrypoint = [.. spec.Command],
            Cmd = [],
            Env = [.. env.Select(e => $"{e.Key}={e.Value}")],
            WorkingDir = spec.WorkingDirectory,
            User = options.User,
            Labels = labels,
            ExposedPorts = publish && wantsPort ? new Dictionary<string, EmptyStruct> { [containerPort] = default } : null,
            HostConfig = host,
        };
    }

    /// <summary>A container name that is valid for Docker and Podman and unique: <c>greyhub-{job}-{random}</c>.</summary>
    public static string Name(JobSpec spec)
    {
        var safe = new string([.. spec.Name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').Take(60)]);
        return $"greyhub-{safe}-{Guid.NewGuid().ToString("N")[..8]}";
    }

    private static Ulimit Ulimit(KeyValuePair<string, string> limit)
    {
        var (soft, hard) = ContainerEngineOptionsValidator.ParseUlimit(limit.Value)
            ?? throw new InvalidOperationException($"{ContainerEngineOptions.Section}:Ulimits:{limit.Key} is invalid");
        return new Ulimit { Name = limit.Key, Soft = soft, Hard = hard };
    }
}
