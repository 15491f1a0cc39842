using System.Text.Json;
using Greyhub.Data;
using Greyhub.Hub.Http;

namespace Greyhub.Hub.Sharing;

/// <summary>JupyterHub 5's Share and ShareCode models.</summary>
internal static class ShareJson
{
    /// <summary>The server part: owner, name, URL and whether it is ready (a subset of the server model).</summary>
    public static void WriteServer(Utf8JsonWriter w, SharedServer server, HubUrls urls)
    {
        w.WriteStartObject("server");
        w.WriteStartObject("user");
        w.WriteString("name", server.Owner);
        w.WriteEndObject();
        w.WriteString("name", server.Name);
        var url = urls.ServerUrl(server.Owner, server.Name);
        w.WriteString("url", url);
        WriteNullable(w, "full_url", urls.Full(url));
        w.WriteBoolean("ready", server.Ready);
        w.WriteEndObject();
    }

    public static void WriteShare(Utf8JsonWriter w, ShareRecord share, HubUrls urls)
    {
        w.WriteStartObject();
        WriteServer(w, share.Server, urls);
        WriteScopes(w, share.Scopes);
        WriteName(w, "user", share.UserName);
        WriteName(w, "group", share.GroupName);
        w.WriteString("kind", share.GroupName is null ? "user" : "group");
        w.WriteString("created_at", Iso.Format(share.Created));
        w.WriteEndObject();
    }

    /// <summary>A share code; <paramref name="code"/> (with its accept URLs) only in the answer that made it.</summary>
    public static void WriteCode(Utf8JsonWriter w, ShareCodeRecord code, HubUrls urls, string? secret = null)
    {
        w.WriteStartObject();
        WriteServer(w, code.Server, urls);
        WriteScopes(w, code.Scopes);
        w.WriteString("id", "sc_" + code.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        w.WriteString("created_at", Iso.Format(code.Created));
        w.WriteString("expires_at", Iso.Format(code.ExpiresAt));
        w.WriteNumber("exchange_count", code.ExchangeCount);
        WriteNullable(w, "last_exchanged_at", code.LastExchangedAt is { } at ? Iso.Format(at) : null);
        if (secret is not null)
        {
            var accept = urls.Hub + "accept-share?code=" + Uri.EscapeDataString(secret);
            w.WriteString("code", secret);
            w.WriteString("accept_url", accept);
            WriteNullable(w, "full_accept_url", urls.Full(accept));
        }
        w.WriteEndObject();
    }

    private static void WriteScopes(Utf8JsonWriter w, IReadOnlyList<string> scopes)
    {
        w.WriteStartArray("scopes");
        foreach (var scope in scopes)
        {
            w.WriteStringValue(scope);
        }
        w.WriteEndArray();
    }

    private static void WriteName(Utf8JsonWriter w, string property, string? name)
    {
        if (name is null)
        {
            w.WriteNull(property);
            return;
        }
        w.WriteStartObject(property);
        w.WriteString("name", name);
        w.WriteEndObject();
    }

    private static void WriteNullable(Utf8JsonWriter w, string property, string? value)
    {
        if (value is null)
        {
            w.WriteNull(property);
        }
        else
        {
            w.WriteString(property, value);
        }
    }
}
