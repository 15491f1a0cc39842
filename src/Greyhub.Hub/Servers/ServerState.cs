using System.Text.Json.Nodes;

namespace Greyhub.Hub.Servers;

/// <summary>
/// What the hub stores for a server that is not stopped: the spawner's opaque state, the id of the server's own
/// API token and its OAuth client. Written before each action, so a restarted hub can finish or undo it.
/// <see cref="Previous"/> is the spawner state of the server's last run, kept while it is stopped and until its next
/// start has its own: JupyterHub loads a spawner's stored state before each start, so a spawner may reuse what it named
/// (a container, a pod).
/// </summary>
internal sealed record ServerState(string? Spawner, int? TokenId, string? ClientId, string? Previous = null)
{
    public static ServerState Empty { get; } = new(null, null, null);

    /// <summary>Nothing of a start written yet (a start that only waited in line); a previous run's state may be there.</summary>
    public bool Unstarted => Spawner is null && TokenId is null && ClientId is null;

    /// <summary>What a stopped server keeps: the spawner state of its last run, for its next start.</summary>
    public string Kept() => new ServerState(null, null, null, Spawner ?? Previous).ToJson();

    public static ServerState Parse(string json)
    {
        try
        {
            if (JsonNode.Parse(json) is not JsonObject o)
            {
                return Empty;
            }
            return new ServerState(
                o["spawner"]?.ToJsonString(),
                o["token_id"]?.GetValueKind() == System.Text.Json.JsonValueKind.Number ? o["token_id"]!.GetValue<int>() : null,
                o["client_id"]?.GetValueKind() == System.Text.Json.JsonValueKind.String ? o["client_id"]!.GetValue<string>() : null,
                o["previous_spawner"]?.ToJsonString());
        }
        catch (System.Text.Json.JsonException)
        {
            return Empty;
        }
    }

    public string ToJson()
    {
        var o = new JsonObject();
        if (Spawner is not null)
        {
            o["spawner"] = JsonNode.Parse(Spawner);
        }
        if (TokenId is { } id)
        {
            o["token_id"] = id;
        }
        if (ClientId is not null)
        {
            o["client_id"] = ClientId;
        }
        // Once the spawner saved its own state, the previous run's is of no more use.
        if (Previous is not null && Spawner is null)
        {
            o["previous_spawner"] = JsonNode.Parse(Previous);
        }
        return o.ToJsonString();
    }
}
