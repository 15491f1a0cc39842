namespace Greyhub.Data.Entities;

/// <summary>A group of users (JupyterHub's <c>orm.Group</c>).</summary>
public sealed class GroupEntity
{
    /// <summary>Database id.</summary>
    public int Id { get; set; }

    /// <summary>Unique group name.</summary>
    public required string Name { get; set; }

    /// <summary>Free-form properties as a JSON object.</summary>
    public string Properties { get; set; } = "{}";

    /// <summary>The group's members.</summary>
    public List<UserEntity> Users { get; set; } = [];
}
