using Greyhub.Data.Stores;

namespace Greyhub.Hub.Servers;

/// <summary>The scoped services one start, stop or poll of servers uses, from one DI scope (one database context).</summary>
internal sealed record ServerScope(ServerStore Servers, ServerCredentials Credentials, IEnumerable<IServerStartHook> StartHooks, UserStore Users);
