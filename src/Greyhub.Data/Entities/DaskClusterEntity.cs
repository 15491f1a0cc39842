namespace Greyhub.Data.Entities;

/// <summary>
/// A Dask cluster (Dask Gateway's model): its owner, status, options, credentials and the jobs that run it. The jobs,
/// the scale target and what the scheduler last reported live in <see cref="State"/> (JSON), written before every action
/// on the cluster so a restarted hub finds every job it launched.
/// </summary>
public sealed class DaskClusterEntity
{
    /// <summary>The cluster's name (random hex), the key.</summary>
    public required string Name { get; set; }

    /// <summary>The owning user's name.</summary>
    public required string UserName { get; set; }

    /// <summary>Dask Gateway's status number: 1 pending, 2 running, 3 stopping, 4 stopped, 5 failed.</summary>
    public int Status { get; set; }

    /// <summary>The validated cluster options (JSON object).</summary>
    public string Options { get; set; } = "{}";

    /// <summary>SHA-256 (hex) of the token the cluster's scheduler authenticates with.</summary>
    public required string TokenHash { get; set; }

    /// <summary>The cluster's certificate (PEM), its own CA.</summary>
    public required string TlsCert { get; set; }

    /// <summary>The cluster's private key, encrypted with the hub's Data Protection key ring (rows written before that: PEM); handed to the owner while the cluster runs.</summary>
    public required string TlsKey { get; set; }

    /// <summary>Jobs, scale target and the scheduler's last report (JSON, the clusters brick's own shape).</summary>
    public string State { get; set; } = "{}";

    /// <summary>Why the cluster stopped or failed, in words for people.</summary>
    public string? Reason { get; set; }

    /// <summary>When it was asked for (UTC).</summary>
    public DateTime CreatedAt { get; set; }

    /// <summary>When it stopped or failed (UTC).</summary>
    public DateTime? StoppedAt { get; set; }
}
