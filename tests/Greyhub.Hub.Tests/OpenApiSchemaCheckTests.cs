using System.Text.Json;

namespace Greyhub.Hub.Tests;

/// <summary>The walk's schema check finds what it is there to find: every missing field, wrong type and unknown value.</summary>
public sealed class OpenApiSchemaCheckTests
{
    [Fact]
    public void A_user_model_with_a_missing_field_a_wrong_type_and_an_unknown_kind_is_reported_in_full()
    {
        var document = OpenApiDocument.Load();
        var check = new OpenApiSchemaCheck(document, new HashSet<string> { "User.user_info", "Server.display_name" }, new HashSet<string> { "User.server" });
        var user = JsonDocument.Parse("""
            {"name": "alice", "kind": "robot", "admin": "yes", "roles": [], "server": null, "pending": null,
             "last_activity": "2024-01-01T00:00:00Z", "auth_state": null,
             "servers": {"": {"name": "", "ready": "no", "stopped": false, "pending": null, "url": "/user/alice/",
                              "progress_url": "/hub/api/users/alice/server/progress", "full_url": null, "full_progress_url": null,
                              "started": null, "last_activity": null, "state": {}, "user_options": {}}}}
            """).RootElement;
        var problems = new List<string>();

        check.Check(user, new System.Text.Json.Nodes.JsonObject { ["$ref"] = "#/components/schemas/User" }, "test", problems);

        Assert.Contains(problems, p => p.Contains("'robot' is none of user", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("$.admin: a string 'yes' where the document types User.admin as boolean", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("no 'groups' (User.groups)", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("$.servers..ready: a string 'no'", StringComparison.Ordinal));
        // Null only where the check is told JupyterHub sends it: here User.server alone, so the five other nulls count.
        foreach (var at in new[] { "$.auth_state", "$.pending", "$.servers..pending", "$.servers..started", "$.servers..last_activity" })
        {
            Assert.Contains(problems, p => p.StartsWith(at + ": null", StringComparison.Ordinal));
        }
        Assert.DoesNotContain(problems, p => p.StartsWith("$.server:", StringComparison.Ordinal));
        Assert.Equal(9, problems.Count);
    }
}
