using System.Text.Json.Nodes;

namespace Greyhub.Hub.Servers;

/// <summary>
/// What the hub stores for a server that is not stopped: the spawner's opaque state, the id of the server's own
/// API token and its OAuth client. Written before each action, so a restarted hub can finish or undo it.
/// </summary>
internal sealed record ServerState(string? Spawner, int? TokenId, string? ClientId)
{
    public static ServerState Empty { get; } = new(null, null, null);

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
                o["client_id"]?.GetValueKind() == System.Text.Json.JsonValueKind.String ? o["client_id"]!.GetValue<string>() : null);
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
        return o.ToJsonString();
    }
}
