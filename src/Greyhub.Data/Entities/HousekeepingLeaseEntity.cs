namespace Greyhub.Data.Entities;

/// <summary>
/// A lease on work that one hub of several sharing a database must do alone (idle culling, pruning): who holds it and
/// until when. The holder renews it well before it expires; another hub takes it once it has expired.
/// </summary>
public sealed class HousekeepingLeaseEntity
{
    /// <summary>What the lease is for, e.g. <c>housekeeping</c>; the key.</summary>
    public required string Name { get; set; }

    /// <summary>The holding hub's id (host, process and a random part, so a restarted hub is a new holder).</summary>
    public required string Holder { get; set; }

    /// <summary>When the lease ends unless renewed (UTC).</summary>
    public DateTime ExpiresAt { get; set; }
}
