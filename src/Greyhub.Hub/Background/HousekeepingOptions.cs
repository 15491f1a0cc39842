namespace Greyhub.Hub.Background;

/// <summary>
/// The housekeeping lease (<c>Greyhub:Housekeeping</c>): when several hubs share a database, one of them at a time runs
/// the jobs only one may run (idle culling, pruning). It renews the lease every <see cref="RenewInterval"/>; if it stops
/// renewing (it crashed, it lost the database), another hub takes the lease once <see cref="LeaseDuration"/> has passed.
/// </summary>
public sealed class HousekeepingOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Greyhub:Housekeeping";

    /// <summary>How long a taken or renewed lease lasts; the longest a crashed holder's jobs go undone.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How often the holder renews the lease (and a waiting hub tries to take it); under half the duration.</summary>
    public TimeSpan RenewInterval { get; set; } = TimeSpan.FromSeconds(15);
}
