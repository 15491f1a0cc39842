namespace Greyhub.Hub.Servers;

/// <summary>
/// Runs after a user's server stopped, whoever stopped it (its owner, an admin, the culler, or the server's own death):
/// other bricks end what lived only for that server (the clusters brick stops the owner's Dask clusters). Registered as
/// many as needed; none by default. A hook's failure is logged and does not undo the stop.
/// </summary>
internal interface IServerStopHook
{
    /// <summary>Called once the server of <paramref name="userName"/> named <paramref name="serverName"/> is stopped.</summary>
    Task AfterStopAsync(string userName, string serverName, CancellationToken cancellationToken);
}

/// <summary>
/// A stop hook that reads the database: told of many servers stopped together (the dead ones a restarted hub finds)
/// in one call, it reads once for all of them, not once per server. Other hooks are called once per server.
/// </summary>
internal interface IServerStopManyHook : IServerStopHook
{
    /// <summary>Called once the servers <paramref name="servers"/> are stopped.</summary>
    Task AfterStopManyAsync(IReadOnlyList<ServerKey> servers, CancellationToken cancellationToken);
}
