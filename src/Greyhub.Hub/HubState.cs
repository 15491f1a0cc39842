namespace Greyhub.Hub;

/// <summary>
/// A version number bumped by every write that can change who may do what (users, groups, tokens).
/// Caches keyed on it never serve a stale identity after a change made through this hub.
/// </summary>
internal sealed class HubState
{
    private long _version;

    public long Version => Interlocked.Read(ref _version);

    public void Changed() => Interlocked.Increment(ref _version);
}
