using System.Text.Json;
using System.Text.Json.Nodes;
using Greyhub.Data;
using Greyhub.Data.Entities;
using Greyhub.Hub.Auth;
using Greyhub.Hub.Http;
using Greyhub.Scopes;

namespace Greyhub.Hub.ApiModels;

/// <summary>
/// JupyterHub's JSON models (User, Server, Group, Service, Token) with its vertical filtering:
/// each key appears only when the requester holds a scope that covers it for that resource.
/// </summary>
internal sealed class Models(HubUrls urls, HubRoles roles, ServerChecks checks)
{
    [Flags]
    private enum UserFields
    {
        None = 0,
        Name = 1,
        Admin = 2,
        Groups = 4,
        Activity = 8,
        Servers = 16,
        Roles = 32,
        Full = 64,
        ServerState = 128,
        AuthState = 256,
    }

    // Pre-encoded property names: the writer neither transcodes nor escape-checks them per user.
    private static readonly JsonEncodedText KindName = JsonEncodedText.Encode("kind");
    private static readonly JsonEncodedText UserKind = JsonEncodedText.Encode("user");
    private static readonly JsonEncodedText NameName = JsonEncodedText.Encode("name");
    private static readonly JsonEncodedText AdminName = JsonEncodedText.Encode("admin");
    private static readonly JsonEncodedText RolesName = JsonEncodedText.Encode("roles");
    private static readonly JsonEncodedText GroupsName = JsonEncodedText.Encode("groups");
    private static readonly JsonEncodedText ServerName = JsonEncodedText.Encode("server");
    private static readonly JsonEncodedText PendingName = JsonEncodedText.Encode("pending");
    private static readonly JsonEncodedText CreatedName = JsonEncodedText.Encode("created");
    private static readonly JsonEncodedText LastActivityName = JsonEncodedText.Encode("last_activity");
    private static readonly JsonEncodedText ServersName = JsonEncodedText.Encode("servers");
    private static readonly JsonEncodedText StartedName = JsonEncodedText.Encode("started");
    private static readonly JsonEncodedText AuthStateName = JsonEncodedText.Encode("auth_state");
    private static readonly string[] UserFieldScopes = ["read:users", "read:users:name", "read:users:groups", "read:users:activity", "read:roles:users", "read:servers", "admin:auth_state"];

    /// <summary>
    /// Writes users of a list for one caller. When none of the scopes deciding the user model's fields has a
    /// filter (held for all or not held), the fields are the same for every user and are decided once here
    /// instead of once per user; likewise whether servers show their state.
    /// </summary>
    public Action<Utf8JsonWriter, UserRecord> UserWriter(ExpandedScopes scopes, bool includeStopped)
    {
        foreach (var scope in UserFieldScopes)
        {
            if (!Uniform(scopes, scope))
            {
                return (w, user) => WriteUser(w, user, scopes, includeStopped);
            }
        }
        var fields = FieldsFor(scopes, ResourceRef.User("", []));
        bool? withState = Uniform(scopes, "admin:server_state") ? scopes.FilterFor("admin:server_state").IsUnfiltered : null;
        return (w, user) => WriteUser(w, user, fields, includeStopped, scopes, endObject: true, withState);
    }

    /// <summary>True when <paramref name="scope"/> is held for every resource or not held at all.</summary>
    private static bool Uniform(ExpandedScopes scopes, string scope)
    {
        var filter = scopes.FilterFor(scope);
        return filter.IsUnfiltered || !filter.IsHeld;
    }

    public void WriteUser(Utf8JsonWriter w, UserRecord user, ExpandedScopes scopes, bool includeStopped, JsonNode? authState = null)
    {
        var target = ResourceRef.User(user.Name, user.Groups);
        var fields = FieldsFor(scopes, target);
        WriteUser(w, user, fields, includeStopped, scopes, endObject: true, authState: authState);
    }

    /// <summary>Whether the caller sees <paramref name="user"/>'s <c>auth_state</c> (<c>admin:auth_state</c> for that user).</summary>
    public static bool SeesAuthState(ExpandedScopes scopes, UserRecord user) =>
        scopes.CanAccess("admin:auth_state", ResourceRef.User(user.Name, user.Groups));

    /// <summary>The user model of <c>GET /hub/api/user</c>, plus identity keys, without closing the object.</summary>
    public void WriteSelf(Utf8JsonWriter w, UserRecord user, ExpandedScopes scopes)
    {
        var target = ResourceRef.User(user.Name, user.Groups);
        // Every credential may identify its owner (JupyterHub's "identify" scopes).
        var fields = FieldsFor(scopes, target) | UserFields.Name | UserFields.Admin | UserFields.Groups;
        WriteUser(w, user, fields, includeStopped: false, scopes, endObject: false);
    }

    private void WriteUser(Utf8JsonWriter w, UserRecord user, UserFields fields, bool includeStopped, ExpandedScopes scopes, bool endObject, bool? withState = null, JsonNode? authState = null)
    {
        w.WriteStartObject();
        w.WriteString(KindName, UserKind);
        w.WriteString(NameName, user.Name);
        if ((fields & (UserFields.Admin | UserFields.Full | UserFields.Roles)) != 0)
        {
            w.WriteBoolean(AdminName, user.Admin);
        }
        if ((fields & (UserFields.Roles | UserFields.Full)) != 0)
        {
            w.WriteStartArray(RolesName);
            foreach (var role in roles.RolesOfUser(user.Name, user.Admin))
            {
                w.WriteStringValue(role);
            }
            w.WriteEndArray();
        }
        if ((fields & (UserFields.Groups | UserFields.Full)) != 0)
        {
            w.WriteStartArray(GroupsName);
            foreach (var g in user.Groups)
            {
                w.WriteStringValue(g);
            }
            w.WriteEndArray();
        }
        if ((fields & UserFields.Full) != 0)
        {
            ServerRecord? defaultServer = null;
            foreach (var s in user.Servers)
            {
                if (s.Name.Length == 0)
                {
                    defaultServer = s;
                    break;
                }
            }
            if (defaultServer is { Phase: ServerPhases.Running } && !checks.IsChecking(defaultServer.Id))
            {
                w.WriteString(ServerName, urls.ServerUrl(user.Name, ""));
            }
            else
            {
                w.WriteNull(ServerName);
            }
            WritePending(w, defaultServer);
            WriteTime(w, CreatedName, user.Created);
        }
        if ((fields & (UserFields.Activity | UserFields.Full)) != 0)
        {
            WriteTime(w, LastActivityName, user.LastActivity);
        }
        if ((fields & UserFields.AuthState) != 0)
        {
            // Holders of admin:auth_state see the key, as in JupyterHub. Only the single-user endpoints decrypt and pass
            // the state (JupyterHub's too): lists stay one query, with null here.
            w.WritePropertyName(AuthStateName);
            if (authState is null)
            {
                w.WriteNullValue();
            }
            else
            {
                authState.WriteTo(w);
            }
        }
        if ((fields & UserFields.Servers) != 0)
        {
            w.WriteStartObject(ServersName);
            foreach (var server in user.Servers)
            {
                if (!includeStopped && server.Phase == ServerPhases.Stopped)
                {
                    continue;
                }
                var serverState = withState ?? scopes.CanAccess("admin:server_state", ResourceRef.Server(user.Name, server.Name, user.Groups));
                w.WritePropertyName(server.Name);
                WriteServer(w, user.Name, server, serverState);
            }
            w.WriteEndObject();
        }
        if (endObject)
        {
            w.WriteEndObject();
        }
    }

    public void WriteServer(Utf8JsonWriter w, string userName, ServerRecord server, bool withState)
    {
        w.WriteStartObject();
        w.WriteString("name", server.Name);
        w.WriteString("full_name", userName + "/" + server.Name);
        WriteTime(w, LastActivityName, server.LastActivity);
        WriteTime(w, StartedName, server.Started);
        WritePending(w, server);
        w.WriteBoolean("ready", server.Phase == ServerPhases.Running && !checks.IsChecking(server.Id));
        w.WriteBoolean("stopped", server.Phase == ServerPhases.Stopped);
        var url = urls.ServerUrl(userName, server.Name);
        w.WriteString("url", url);
        WriteRawObject(w, "user_options", server.UserOptions);
        var progress = urls.ProgressUrl(userName, server.Name);
        w.WriteString("progress_url", progress);
        WriteNullableString(w, "full_url", urls.Full(url));
        WriteNullableString(w, "full_progress_url", urls.Full(progress));
        if (withState)
        {
            WriteRawObject(w, "state", server.State);
        }
        w.WriteEndObject();
    }

    public static void WriteGroup(Utf8JsonWriter w, GroupRecord group, ExpandedScopes scopes, HubRoles roles)
    {
        var target = ResourceRef.Group(group.Name);
        var full = scopes.CanAccess("read:groups", target);
        w.WriteStartObject();
        w.WriteString("kind", "group");
        w.WriteString("name", group.Name);
        // Roles only with read:roles:groups: JupyterHub's read:groups model has no roles.
        if (scopes.CanAccess("read:roles:groups", target))
        {
            w.WriteStartArray("roles");
            foreach (var role in roles.RolesOfGroup(group.Name))
            {
                w.WriteStringValue(role);
            }
            w.WriteEndArray();
        }
        if (full)
        {
            w.WriteStartArray("users");
            foreach (var u in group.Users)
            {
                w.WriteStringValue(u);
            }
            w.WriteEndArray();
            WriteRawObject(w, "properties", group.Properties);
        }
        w.WriteEndObject();
    }

    /// <summary>
    /// JupyterHub's service model. Without a URL, <c>url</c> and <c>prefix</c> are empty strings, and <c>pid</c> is 0 for
    /// a service the hub does not run (or that is down), as JupyterHub answers.
    /// </summary>
    public void WriteService(Utf8JsonWriter w, ServiceDefinition service, ExpandedScopes scopes, int? pid)
    {
        var target = ResourceRef.Service(service.Name);
        var full = scopes.CanAccess("read:services", target);
        w.WriteStartObject();
        w.WriteString("kind", "service");
        w.WriteString("name", service.Name);
        // As JupyterHub's access map: admin with any of read:services, read:services:name, read:roles:services;
        // roles only with read:roles:services.
        var rolesVisible = scopes.CanAccess("read:roles:services", target);
        if (full || rolesVisible || scopes.CanAccess("read:services:name", target))
        {
            w.WriteBoolean("admin", service.Admin);
        }
        if (rolesVisible)
        {
            w.WriteStartArray("roles");
            foreach (var role in roles.RolesOfService(service))
            {
                w.WriteStringValue(role);
            }
            w.WriteEndArray();
        }
        if (full)
        {
            w.WriteString("url", service.Url ?? "");
            w.WriteString("prefix", service.Url is null ? "" : service.Prefix);
            w.WriteNumber("pid", pid ?? 0);
            w.WriteStartArray("command");
            foreach (var part in service.Command)
            {
                w.WriteStringValue(part);
            }
            w.WriteEndArray();
            w.WriteBoolean("display", service.Display);
            WriteRawObject(w, "info", service.Info);
        }
        w.WriteEndObject();
    }

    /// <summary>The token model; <paramref name="scopes"/> are the token's effective scopes (JupyterHub's <c>get_scopes_for(token)</c>).</summary>
    public static void WriteToken(Utf8JsonWriter w, TokenRecord token, string? secret, IReadOnlyList<string> scopes)
    {
        w.WriteStartObject();
        w.WriteString("id", "a" + token.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        w.WriteString("kind", "api_token");
        if (token.UserName is not null)
        {
            w.WriteString("user", token.UserName);
        }
        if (token.ServiceName is not null)
        {
            w.WriteString("service", token.ServiceName);
        }
        w.WriteStartArray("roles");
        w.WriteEndArray();
        w.WriteStartArray("scopes");
        foreach (var s in scopes)
        {
            w.WriteStringValue(s);
        }
        w.WriteEndArray();
        WriteNullableString(w, "note", token.Note);
        w.WriteString("created", Iso.Format(token.Created));
        WriteTime(w, "expires_at", token.ExpiresAt);
        WriteTime(w, "last_activity", token.LastActivity);
        WriteNullableString(w, "session_id", token.SessionId);
        w.WriteString("oauth_client", token.ClientId == "jupyterhub" ? "JupyterHub" : token.ClientId);
        if (secret is not null)
        {
            w.WriteString("token", secret);
        }
        w.WriteEndObject();
    }

    private static UserFields FieldsFor(ExpandedScopes scopes, in ResourceRef user)
    {
        var fields = UserFields.None;
        if (scopes.CanAccess("read:users", user))
        {
            fields |= UserFields.Full | UserFields.Name | UserFields.Admin | UserFields.Groups | UserFields.Activity;
        }
        if (scopes.CanAccess("read:users:name", user))
        {
            fields |= UserFields.Name | UserFields.Admin;
        }
        if (scopes.CanAccess("read:users:groups", user))
        {
            fields |= UserFields.Groups;
        }
        if (scopes.CanAccess("read:users:activity", user))
        {
            fields |= UserFields.Activity;
        }
        if (scopes.CanAccess("read:roles:users", user))
        {
            fields |= UserFields.Roles;
        }
        if (scopes.CanAccess("read:servers", user))
        {
            fields |= UserFields.Servers;
        }
        if (scopes.CanAccess("admin:auth_state", user))
        {
            fields |= UserFields.AuthState | UserFields.Name;
        }
        return fields;
    }

    private void WritePending(Utf8JsonWriter w, ServerRecord? server)
    {
        // A server a restarted hub is still re-adopting is neither ready nor stopped yet: JupyterHub's "check".
        if (server is not null && checks.IsChecking(server.Id))
        {
            w.WriteString(PendingName, "check");
            return;
        }
        switch (server?.Phase)
        {
            case ServerPhases.Pending:
                w.WriteString(PendingName, "spawn");
                break;
            case ServerPhases.Stopping:
                w.WriteString(PendingName, "stop");
                break;
            default:
                w.WriteNull(PendingName);
                break;
        }
    }

    private static void WriteTime(Utf8JsonWriter w, string name, DateTime? value)
    {
        if (value is { } v)
        {
            w.WriteString(name, Iso.Format(v));
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static void WriteTime(Utf8JsonWriter w, JsonEncodedText name, DateTime? value)
    {
        if (value is { } v)
        {
            WriteTime(w, name, v);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    /// <summary>
    /// <see cref="Iso.Format"/> without the string: the round-trip format's first 26 characters are
    /// <c>yyyy-MM-ddTHH:mm:ss.ffffff</c> (truncated like the custom format), then the Z.
    /// </summary>
    private static void WriteTime(Utf8JsonWriter w, JsonEncodedText name, DateTime value)
    {
        Span<byte> text = stackalloc byte[40];
        if (!value.TryFormat(text, out var written, "O", System.Globalization.CultureInfo.InvariantCulture) || written < 27)
        {
            w.WriteString(name, Iso.Format(value));
            return;
        }
        text[26] = (byte)'Z';
        w.WriteString(name, text[..27]);
    }

    private static void WriteNullableString(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    private static void WriteRawObject(Utf8JsonWriter w, string name, string json)
    {
        w.WritePropertyName(name);
        w.WriteRawValue(string.IsNullOrEmpty(json) ? "{}" : json, skipInputValidation: true);
    }
}
