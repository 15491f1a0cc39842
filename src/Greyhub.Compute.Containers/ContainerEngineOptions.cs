namespace Greyhub.Compute.Containers;

/// <summary>Options of the containers engine (<c>Greyhub:Compute:Containers</c>).</summary>
public sealed class ContainerEngineOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Greyhub:Compute:Containers";

    /// <summary>
    /// The Docker Engine API endpoint: rootful Podman's socket by default; <c>unix:///var/run/docker.sock</c> for
    /// Docker, or <c>tcp://host:2375</c>.
    /// </summary>
    public string Endpoint { get; set; } = "unix:///run/podman/podman.sock";

    /// <summary>
    /// Names this hub's containers (label <c>greyhub.instance</c>), so hubs sharing one container host never see or
    /// touch each other's; a restarted hub must keep the same value to re-adopt its containers.
    /// </summary>
    public string InstanceId { get; set; } = "greyhub";

    /// <summary>Image of jobs that name none (<see cref="Abstractions.Compute.JobSpec.Image"/> null); always allowed.</summary>
    public string DefaultImage { get; set; } = "localhost/greyhub-jupyter:bookworm";

    /// <summary>Images a job may name, exactly as written (besides <see cref="DefaultImage"/>); others are refused.</summary>
    public List<string>? AllowedImages { get; set; }

    /// <summary>
    /// How the hub reaches a job's port. <see cref="ContainerNetworkMode.Publish"/> (default) keeps each job in its own
    /// network namespace and publishes one port on the host's loopback; <see cref="ContainerNetworkMode.Host"/> shares
    /// the host's network (no isolation: a job reaches every loopback service of the host).
    /// </summary>
    public ContainerNetworkMode NetworkMode { get; set; } = ContainerNetworkMode.Publish;

    /// <summary>Network of the containers in <see cref="ContainerNetworkMode.Publish"/> mode; null: the host's default bridge.</summary>
    public string? Network { get; set; }

    /// <summary>The port a job listens on inside its container (publish mode).</summary>
    public int ContainerPort { get; set; } = 8888;

    /// <summary>Host address the port is published on and the hub connects to (publish mode).</summary>
    public string PublishAddress { get; set; } = "127.0.0.1";

    /// <summary>
    /// Extra <c>/etc/hosts</c> lines as <c>name:address</c>, e.g. <c>host.docker.internal:host-gateway</c> on Docker so
    /// that servers reach the hub on the host (Podman adds <c>host.containers.internal</c> itself).
    /// </summary>
    public List<string>? ExtraHosts { get; set; }

    /// <summary>User (<c>uid[:gid]</c> or a name) the job runs as inside; null: the image's user.</summary>
    public string? User { get; set; }

    /// <summary>
    /// OCI runtime on Docker (its default is also <c>runc</c>); null: the host's default. Podman's Docker-compatible API
    /// ignores it: there the runtime comes from <c>containers.conf</c> (<c>scripts/podman-local.sh</c> sets <c>runc</c>).
    /// </summary>
    public string? Runtime { get; set; } = "runc";

    /// <summary>
    /// Resource limits set on every container, as <c>soft:hard</c> (or one number for both), by name. Explicit, because
    /// a container host's own defaults can exceed what the host may grant (then nothing starts).
    /// </summary>
    public Dictionary<string, string> Ulimits { get; set; } = new(StringComparer.Ordinal)
    {
        ["nofile"] = "20000:20000",
        ["nproc"] = "32768:32768",
    };

    /// <summary>Runs a tiny init as PID 1 that forwards signals, so a graceful stop works (Python as PID 1 ignores SIGTERM).</summary>
    public bool Init { get; set; } = true;

    /// <summary>Drops every Linux capability and forbids gaining privileges (setuid) inside the container.</summary>
    public bool DropCapabilities { get; set; } = true;

    /// <summary>Where the log of a removed container is kept (a copy is saved before removal).</summary>
    public string LogsDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "greyhub-container-logs");

    /// <summary>Most bytes of output kept in that copy (the end of the log).</summary>
    public int SavedLogBytes { get; set; } = 1024 * 1024;

    /// <summary>Longest wait for one call to the container host.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(100);
}

/// <summary>How the hub reaches a container's port.</summary>
public enum ContainerNetworkMode
{
    /// <summary>Own network namespace; the job's port is published on the host's loopback (<c>127.0.0.1:hostport-&gt;port</c>).</summary>
    Publish,

    /// <summary>The host's network: the job binds a free host port on loopback itself.</summary>
    Host,
}
