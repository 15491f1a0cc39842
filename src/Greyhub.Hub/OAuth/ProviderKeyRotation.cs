using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenIddict.Server;

namespace Greyhub.Hub.OAuth;

/// <summary>
/// Rotates the provider's signing keys while the hub runs: every hour the ring is looked at, and when it changed
/// (a successor published, a key starting to sign, a retired key gone) OpenIddict's options are rebuilt from it.
/// </summary>
internal sealed partial class ProviderKeyRotation(ProviderKeys keys, IOptionsMonitorCache<OpenIddictServerOptions> cache, TimeProvider time,
    ILogger<ProviderKeyRotation> logger) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);
    private readonly Lock _lock = new();
    private string? _fingerprint;

    /// <summary>
    /// Rotates now if due; true when the published keys or the signing key changed. When it returns, OpenIddict's
    /// next request sees the current ring (the hourly run and a caller never interleave).
    /// </summary>
    public bool Rotate()
    {
        using var scope = _lock.EnterScope();
        var ring = keys.Current();
        if (ring.Fingerprint == _fingerprint)
        {
            return false;
        }
        var first = _fingerprint is null;
        _fingerprint = ring.Fingerprint;
        if (!first)
        {
            cache.TryRemove(Options.DefaultName);
            LogRotated(logger, ring.Signing.Id, ring.Published.Count);
        }
        return !first;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                Rotate();
            }
            catch (IOException e)
            {
                LogFailed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(EventId = HubEvents.OpenIdKeysRotated, Level = LogLevel.Information, Message = "OpenID signing keys rotated: {KeyId} signs, {Published} published")]
    private static partial void LogRotated(ILogger logger, string keyId, int published);

    [LoggerMessage(EventId = HubEvents.OpenIdKeysRotationFailed, Level = LogLevel.Error, Message = "OpenID signing key rotation failed; the current keys stay")]
    private static partial void LogFailed(ILogger logger, Exception error);
}
