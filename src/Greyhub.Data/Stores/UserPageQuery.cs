using System.Collections.Concurrent;
using System.Data.Common;
using Greyhub.Data.Entities;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;

namespace Greyhub.Data.Stores;

/// <summary>
/// The default user listing (all users by id, a page of them) as one command of three statements — the page's users,
/// then the group names and the servers of the users on it — read straight off the provider's data reader.
/// </summary>
/// <remarks>
/// The API's hottest read. As three compiled EF Core queries it cost three round trips to PostgreSQL and EF's
/// materializers on every provider; as one command it is one round trip (Npgsql sends the statements as one batch;
/// Microsoft.Data.Sqlite runs them in turn). One statement (the page as a materialized CTE, the three row kinds as a
/// <c>UNION ALL</c>) was measured too: no cheaper on PostgreSQL, twice the hub's CPU on SQLite (temporary tables and
/// a sort per request). Table and column names come from the EF model, so the SQL follows a migration that renames
/// one. <c>UserListStoreTests</c> holds it to <see cref="UserStore.FindAsync"/> on both providers.
/// </remarks>
internal static class UserPageQuery
{
    // Per provider: the same model, but each provider delimits names its own way.
    private static readonly ConcurrentDictionary<string, string> SqlByProvider = new();

    /// <summary>The users at <paramref name="offset"/>..+<paramref name="limit"/> by id, with groups and servers.</summary>
    public static async Task<List<UserRecord>> ReadAsync(HubDbContext db, int offset, int limit, bool textTimestamps, CancellationToken cancellationToken)
    {
        var sql = SqlByProvider.GetOrAdd(db.Database.ProviderName ?? "", static (_, db) => BuildSql(db), db);
        var connection = db.Database.GetDbConnection();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        AddParameter(command, "@limit", limit);
        AddParameter(command, "@offset", offset);
        var users = new List<UserRecord>(Math.Min(limit, 1000));
        var byId = new Dictionary<int, int>(users.Capacity);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var userId = reader.GetInt32(0);
            byId[userId] = users.Count;
            users.Add(new UserRecord(userId, reader.GetString(1), reader.GetBoolean(2), Timestamp(reader, 3, textTimestamps),
                NullableTimestamp(reader, 4, textTimestamps), [], []));
        }
        await reader.NextResultAsync(cancellationToken);
        List<string>?[]? groupsOf = null;
        while (await reader.ReadAsync(cancellationToken))
        {
            if (byId.TryGetValue(reader.GetInt32(0), out var i))
            {
                ((groupsOf ??= new List<string>?[users.Count])[i] ??= []).Add(reader.GetString(1));
            }
        }
        await reader.NextResultAsync(cancellationToken);
        List<ServerRecord>?[]? serversOf = null;
        while (await reader.ReadAsync(cancellationToken))
        {
            if (byId.TryGetValue(reader.GetInt32(0), out var i))
            {
                ((serversOf ??= new List<ServerRecord>?[users.Count])[i] ??= []).Add(new ServerRecord(reader.GetInt32(1), reader.GetString(2), reader.GetString(3),
                    NullableString(reader, 4), NullableTimestamp(reader, 5, textTimestamps), NullableTimestamp(reader, 6, textTimestamps),
                    reader.GetString(7), reader.GetString(8), NullableString(reader, 9)));
            }
        }
        if (groupsOf is not null || serversOf is not null)
        {
            for (var i = 0; i < users.Count; i++)
            {
                if (serversOf?[i] is not null || groupsOf?[i] is not null)
                {
                    users[i] = users[i] with { Servers = (IReadOnlyList<ServerRecord>?)serversOf?[i] ?? [], Groups = (IReadOnlyList<string>?)groupsOf?[i] ?? [] };
                }
            }
        }
        return users;
    }

    private static string BuildSql(HubDbContext db)
    {
        var sqlHelper = db.GetService<ISqlGenerationHelper>();
        var model = db.Model;
        var user = model.FindEntityType(typeof(UserEntity))!;
        var server = model.FindEntityType(typeof(ServerEntity))!;
        var group = model.FindEntityType(typeof(GroupEntity))!;
        var membership = user.GetSkipNavigations().Single(n => n.Name == nameof(UserEntity.Groups)).JoinEntityType;
        var membershipUser = membership.GetForeignKeys().Single(fk => fk.PrincipalEntityType == user).Properties.Single();
        var membershipGroup = membership.GetForeignKeys().Single(fk => fk.PrincipalEntityType == group).Properties.Single();
        string T(IEntityType type) => sqlHelper.DelimitIdentifier(type.GetTableName()!);
        string C(IReadOnlyEntityType type, string property)
        {
            var p = type.FindProperty(property)!;
            return sqlHelper.DelimitIdentifier(p.GetColumnName(StoreObjectIdentifier.Table(type.GetTableName()!, type.GetSchema()))!);
        }
        string U(string property) => C(user, property);
        string S(string property) => "s." + C(server, property);
        var page = $"SELECT {U(nameof(UserEntity.Id))} AS id FROM {T(user)} ORDER BY {U(nameof(UserEntity.Id))} LIMIT @limit OFFSET @offset";
        return $"""
            SELECT {U(nameof(UserEntity.Id))}, {U(nameof(UserEntity.Name))}, {U(nameof(UserEntity.Admin))}, {U(nameof(UserEntity.Created))}, {U(nameof(UserEntity.LastActivity))}
            FROM {T(user)} ORDER BY {U(nameof(UserEntity.Id))} LIMIT @limit OFFSET @offset;
            SELECT m.{C(membership, membershipUser.Name)}, g.{C(group, nameof(GroupEntity.Name))}
            FROM ({page}) AS p JOIN {T(membership)} AS m ON m.{C(membership, membershipUser.Name)} = p.id
            JOIN {T(group)} AS g ON g.{C(group, nameof(GroupEntity.Id))} = m.{C(membership, membershipGroup.Name)}
            ORDER BY g.{C(group, nameof(GroupEntity.Name))};
            SELECT {S(nameof(ServerEntity.UserId))}, {S(nameof(ServerEntity.Id))}, {S(nameof(ServerEntity.Name))}, {S(nameof(ServerEntity.Phase))}, {S(nameof(ServerEntity.Url))},
                   {S(nameof(ServerEntity.Started))}, {S(nameof(ServerEntity.LastActivity))}, {S(nameof(ServerEntity.UserOptions))}, {S(nameof(ServerEntity.State))}, {S(nameof(ServerEntity.StopReason))}
            FROM ({page}) AS p JOIN {T(server)} AS s ON {S(nameof(ServerEntity.UserId))} = p.id
            ORDER BY {S(nameof(ServerEntity.Name))}
            """;
    }

    private static void AddParameter(DbCommand command, string name, int value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    private static string? NullableString(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    // SQLite keeps timestamps as text in one exact format (SqliteTextDateTimeConverter); PostgreSQL as timestamptz.
    private static DateTime Timestamp(DbDataReader reader, int ordinal, bool text) =>
        text ? SqliteTextDateTimeConverter.Parse(reader.GetString(ordinal)) : DateTime.SpecifyKind(reader.GetDateTime(ordinal), DateTimeKind.Utc);

    private static DateTime? NullableTimestamp(DbDataReader reader, int ordinal, bool text) =>
        reader.IsDBNull(ordinal) ? null : Timestamp(reader, ordinal, text);
}
