namespace Greyhub.Hub;

/// <summary>
/// Every log event id of the hub, in one place so none is used twice (a test checks each <c>[LoggerMessage]</c>
/// against this class). Ids are stable: operators filter on them, so an id never changes meaning.
/// It sits at the project root, not in a feature folder, so every folder (the API edge and the proxy included) may use it
/// without a dependency cycle. Ranges by feature:
/// 1xx start-up, 20x login, 21x tokens, 22x upstream login, 23x login continued, 3xx servers, 4xx pages, 5xx OAuth, 6xx proxy and routes, 7xx services, 8xx audit log,
/// 9xx operating the hub,
/// 1000+ the API edge.
/// 110x housekeeping (the lease, the idle culler).
/// </summary>
internal static class HubEvents
{
    // 1xx: start-up (Hosting).
    public const int InitialAdminCreated = 100;
    public const int DatabaseReady = 101;
    public const int NoUsersYet = 102;

    // 20x: login.
    public const int LoginSucceeded = 200;
    public const int LoginFailed = 201;
    public const int LoginThrottled = 202;
    public const int LoggedOut = 203;
    public const int AuthenticatorUnavailable = 204;
    public const int PasswordChanged = 205;
    public const int PasswordChangeRefused = 206;
    public const int AuthRefreshed = 207;
    public const int AuthExpired = 208;
    public const int AuthRefreshUnavailable = 209;

    // 21x: tokens.
    public const int TokenIssued = 210;
    public const int TokenRevoked = 211;
    public const int TokensPurged = 212;
    public const int TokenPurgeFailed = 213;

    // 22x: login through upstream identity providers (Upstream).
    public const int UpstreamLoginSucceeded = 220;
    public const int UpstreamLoginRefused = 221;
    public const int UpstreamLoginFailed = 222;
    public const int UpstreamTokenRefreshed = 223;
    public const int UpstreamTokenRefreshFailed = 224;
    public const int UpstreamSignOut = 225;
    public const int UpstreamSignOutSkipped = 226;
    public const int UpstreamLoginTiming = 227;

    // 23x: login, continued (20x is full).
    public const int AuthRefreshFailed = 230;

    // 30x: server starts; 31x: stops; 32x: the server monitor.
    public const int ServerRequested = 300;
    public const int ServerReady = 301;
    public const int ServerStartFailed = 302;
    public const int SingleUserVersionDiffers = 303;
    public const int SingleUserTooOld = 304;
    public const int ServerStartResumed = 305;
    public const int ServerLeftLine = 306;
    public const int ServerStartUndoFailed = 307;
    public const int ServerStopped = 310;
    public const int ServerRouteNotRemoved = 311;
    public const int ServerStopHookFailed = 312;
    public const int ServersStopHookFailed = 313;
    public const int ServersRecovered = 320;
    public const int ServerNotRecovered = 321;
    public const int ServerDied = 322;
    public const int ServerPollFailed = 323;
    public const int ServerRouteDeferred = 324;
    public const int ServersChecking = 325;
    public const int ServerCheckFailed = 326;
    public const int ServersCheckPollFailed = 327;
    public const int ServersCleanUpFailed = 328;
    public const int ServerDeadStopFailed = 329;

    // 4xx: pages.
    public const int CspViolation = 400;

    // 50x: the OAuth provider.
    public const int OAuthClientRegistered = 500;
    public const int OAuthClientRemoved = 501;
    public const int OAuthCodeIssued = 502;
    public const int OAuthTokenIssued = 503;
    public const int OAuthCodeReplayed = 504;
    public const int OAuthCodeRefused = 505;
    public const int OAuthClientAuthenticationFailed = 506;
    public const int OAuthAccessRefused = 507;
    public const int OAuthSessionTokensRevoked = 508;
    public const int OpenIdKeysRotated = 509;
    public const int OpenIdKeysRotationFailed = 510;

    // 60x: proxy activity and the route check; 64x: an external proxy the hub starts (the proxy brick's own events,
    // 61x-63x, are in Greyhub.Proxy's ProxyEvents).
    public const int ActivityFlushFailed = 600;
    public const int RouteCheckFailed = 601;
    public const int RouteMissing = 602;
    public const int RouteTargetChanged = 603;
    public const int RouteStale = 604;
    public const int ProxyStarting = 640;
    public const int ProxyReused = 641;
    public const int ProxyDied = 642;
    public const int ProxyStopping = 643;
    public const int ProxyOutput = 644;
    public const int ProxyReusedWithoutPid = 645;
    public const int ProxyLeftoverEnded = 646;
    public const int ProxyCheckFailed = 647;
    public const int ProxyReady = 648;

    // 70x: services the hub runs; 71x: services added, removed, registered.
    public const int ServiceStarting = 700;
    public const int ServiceStarted = 701;
    public const int ServiceDied = 702;
    public const int ServiceStartFailed = 703;
    public const int ServiceStopping = 704;
    public const int ServiceOutput = 705;
    public const int ServiceLeftoverEnded = 706;
    public const int ServiceAdded = 710;
    public const int ServiceRemoved = 711;
    public const int ServiceShadowed = 712;
    public const int ServiceWithoutClientSecret = 713;
    public const int ServiceRouteFailed = 714;
    public const int ServiceClientRemoved = 715;

    // 80x: the audit log.
    public const int AuditWriteFailed = 800;
    public const int AuditWriteRetrying = 801;
    public const int AuditDropped = 802;
    public const int AuditAbandoned = 803;
    public const int AuditPruned = 804;
    public const int AuditPruneFailed = 805;

    // 90x: operating the hub (its proxy API, its shutdown).
    public const int ProxyUpdated = 900;
    public const int ShutdownRequested = 901;
    public const int ShutdownStoppingServers = 902;

    // 1000+: the API edge.
    public const int ApiUnhandled = 1000;
    public const int LeanUnhandled = 1001;

    // 110x: housekeeping: the lease; 111x: the idle culler.
    public const int LeaseTaken = 1100;
    public const int LeaseHeldElsewhere = 1101;
    public const int LeaseRenewFailed = 1102;
    public const int CullerCulled = 1110;
    public const int CullerStopFailed = 1111;
    public const int CullerUserDeleted = 1112;
    public const int CullerRunFailed = 1113;
    public const int CullerRan = 1114;
}
