using Greyhub.Data.Entities;
using Microsoft.EntityFrameworkCore;

namespace Greyhub.Data;

/// <summary>The hub's database. Only stores use it; endpoints never see it.</summary>
public sealed class HubDbContext(DbContextOptions<HubDbContext> options) : DbContext(options)
{
    // EF Core's SQLite provider by name: this provider-neutral project does not reference it.
    private const string SqliteProviderName = "Microsoft.EntityFrameworkCore.Sqlite";

    /// <summary>Whether this is the SQLite provider (NULLs sort first ascending, last descending; timestamps are text).</summary>
    internal bool IsSqlite => Database.ProviderName == SqliteProviderName;

    /// <summary>Users.</summary>
    public DbSet<UserEntity> Users => Set<UserEntity>();

    /// <summary>Groups.</summary>
    public DbSet<GroupEntity> Groups => Set<GroupEntity>();

    /// <summary>Servers.</summary>
    public DbSet<ServerEntity> Servers => Set<ServerEntity>();

    /// <summary>API and OAuth tokens.</summary>
    public DbSet<ApiTokenEntity> ApiTokens => Set<ApiTokenEntity>();

    /// <summary>OAuth clients of the hub's provider.</summary>
    public DbSet<OAuthClientEntity> OAuthClients => Set<OAuthClientEntity>();

    /// <summary>OAuth authorization codes.</summary>
    public DbSet<OAuthCodeEntity> OAuthCodes => Set<OAuthCodeEntity>();

    /// <summary>Services added at run time.</summary>
    public DbSet<ServiceEntity> Services => Set<ServiceEntity>();

    /// <summary>Servers shared with users and groups.</summary>
    public DbSet<ShareEntity> Shares => Set<ShareEntity>();

    /// <summary>Invitations to share servers.</summary>
    public DbSet<ShareCodeEntity> ShareCodes => Set<ShareCodeEntity>();

    /// <summary>The audit log.</summary>
    public DbSet<AuditEntryEntity> AuditLog => Set<AuditEntryEntity>();

    /// <summary>Users' encrypted authentication state.</summary>
    public DbSet<AuthStateEntity> AuthStates => Set<AuthStateEntity>();

    /// <summary>Housekeeping leases: which hub of several runs the jobs only one may run.</summary>
    public DbSet<HousekeepingLeaseEntity> HousekeepingLeases => Set<HousekeepingLeaseEntity>();

    /// <summary>Registered datasets (the data-access brick).</summary>
    public DbSet<DatasetEntity> Datasets => Set<DatasetEntity>();
    /// <summary>Dask clusters.</summary>
    public DbSet<DaskClusterEntity> DaskClusters => Set<DaskClusterEntity>();

    /// <inheritdoc />
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        // Timestamps are UTC instants at microsecond resolution on every provider. SQLite keeps them as text, which
        // its own converter writes unchanged and reads without the reader's general DateTime.Parse.
        if (IsSqlite)
        {
            configurationBuilder.Properties<DateTime>().HaveConversion<SqliteTextDateTimeConverter>();
        }
        else
        {
            configurationBuilder.Properties<DateTime>().HaveConversion<UtcDateTimeConverter>();
        }
    }

    /// <inheritdoc />
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<UserEntity>(user =>
        {
            user.ToTable("users");
            user.HasIndex(u => u.Name).IsUnique();
            user.Property(u => u.Name).HasMaxLength(255);
            user.HasIndex(u => u.LastActivity);
            user.HasMany(u => u.Groups).WithMany(g => g.Users).UsingEntity(
                "user_group_map",
                r => r.HasOne(typeof(GroupEntity)).WithMany().HasForeignKey("GroupId").OnDelete(DeleteBehavior.Cascade),
                l => l.HasOne(typeof(UserEntity)).WithMany().HasForeignKey("UserId").OnDelete(DeleteBehavior.Cascade));
        });
        modelBuilder.Entity<AuthStateEntity>(state =>
        {
            state.ToTable("auth_states");
            state.HasKey(a => a.UserId);
            state.Property(a => a.UserId).ValueGeneratedNever();
            state.Property(a => a.Provider).HasMaxLength(64);
            state.HasOne<UserEntity>().WithOne().HasForeignKey<AuthStateEntity>(a => a.UserId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<GroupEntity>(group =>
        {
            group.ToTable("groups");
            group.HasIndex(g => g.Name).IsUnique();
            group.Property(g => g.Name).HasMaxLength(255);
        });
        modelBuilder.Entity<ServerEntity>(server =>
        {
            server.ToTable("servers");
            server.HasIndex(s => new { s.UserId, s.Name }).IsUnique();
            server.HasIndex(s => s.Phase);
            server.Property(s => s.Phase).HasMaxLength(16);
            server.HasOne(s => s.User).WithMany(u => u.Servers).HasForeignKey(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<ApiTokenEntity>(token =>
        {
            token.ToTable("api_tokens");
            token.HasIndex(t => t.Hash).IsUnique();
            token.HasIndex(t => t.UserId);
            token.HasIndex(t => t.ServiceName);
            token.HasIndex(t => t.ExpiresAt);
            token.Property(t => t.Hash).HasMaxLength(128);
            token.HasOne(t => t.User).WithMany().HasForeignKey(t => t.UserId).OnDelete(DeleteBehavior.Cascade);
            token.HasIndex(t => t.ClientId);
        });
        modelBuilder.Entity<ServiceEntity>(service =>
        {
            service.ToTable("services");
            service.HasIndex(s => s.Name).IsUnique();
            service.Property(s => s.Name).HasMaxLength(255);
        });
        modelBuilder.Entity<ShareEntity>(share =>
        {
            share.ToTable("shares");
            // One share per server and user, one per server and group (NULLs are distinct on both providers).
            share.HasIndex(s => new { s.ServerId, s.UserId }).IsUnique();
            share.HasIndex(s => new { s.ServerId, s.GroupId }).IsUnique();
            share.HasIndex(s => s.OwnerId);
            share.HasIndex(s => s.UserId);
            share.HasIndex(s => s.GroupId);
            share.HasOne<ServerEntity>().WithMany().HasForeignKey(s => s.ServerId).OnDelete(DeleteBehavior.Cascade);
            share.HasOne<UserEntity>().WithMany().HasForeignKey(s => s.OwnerId).OnDelete(DeleteBehavior.Cascade);
            share.HasOne<UserEntity>().WithMany().HasForeignKey(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
            share.HasOne<GroupEntity>().WithMany().HasForeignKey(s => s.GroupId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<ShareCodeEntity>(code =>
        {
            code.ToTable("share_codes");
            code.HasIndex(c => c.CodeHash).IsUnique();
            code.Property(c => c.CodeHash).HasMaxLength(128);
            code.HasIndex(c => c.ServerId);
            code.HasIndex(c => c.OwnerId);
            code.HasIndex(c => c.ExpiresAt);
            code.HasOne<ServerEntity>().WithMany().HasForeignKey(c => c.ServerId).OnDelete(DeleteBehavior.Cascade);
            code.HasOne<UserEntity>().WithMany().HasForeignKey(c => c.OwnerId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<AuditEntryEntity>(entry =>
        {
            // No foreign keys: an entry outlives the user, server or token it names.
            entry.ToTable("audit_log");
            entry.HasIndex(e => e.At);
            entry.HasIndex(e => e.UserName);
            entry.HasIndex(e => e.Actor);
            entry.HasIndex(e => e.Action);
            entry.Property(e => e.Action).HasMaxLength(64);
            entry.Property(e => e.ActorKind).HasMaxLength(16);
            entry.Property(e => e.Actor).HasMaxLength(255);
            entry.Property(e => e.UserName).HasMaxLength(255);
            entry.Property(e => e.Address).HasMaxLength(64);
        });
        modelBuilder.Entity<DatasetEntity>(dataset =>
        {
            dataset.ToTable("datasets");
            dataset.HasIndex(d => d.Name).IsUnique();
            dataset.Property(d => d.Name).HasMaxLength(255);
            dataset.Property(d => d.Owner).HasMaxLength(255);
            dataset.Property(d => d.Format).HasMaxLength(32);
        });
        modelBuilder.Entity<DaskClusterEntity>(cluster =>
        {
            cluster.ToTable("dask_clusters");
            cluster.HasKey(c => c.Name);
            cluster.Property(c => c.Name).HasMaxLength(64);
            cluster.Property(c => c.UserName).HasMaxLength(255);
            cluster.Property(c => c.TokenHash).HasMaxLength(64);
            cluster.HasIndex(c => new { c.UserName, c.Status });
            cluster.HasIndex(c => c.Status);
        });
        modelBuilder.Entity<HousekeepingLeaseEntity>(lease =>
        {
            lease.ToTable("housekeeping_leases");
            lease.HasKey(l => l.Name);
            lease.Property(l => l.Name).HasMaxLength(64);
            lease.Property(l => l.Holder).HasMaxLength(255);
        });
        modelBuilder.Entity<OAuthClientEntity>(client =>
        {
            client.ToTable("oauth_clients");
            // Unique through the alternate key the codes reference.
            client.HasAlternateKey(c => c.ClientId);
            client.Property(c => c.ClientId).HasMaxLength(255);
            client.Property(c => c.SecretHash).HasMaxLength(128);
        });
        modelBuilder.Entity<OAuthCodeEntity>(code =>
        {
            code.ToTable("oauth_codes");
            code.HasIndex(c => c.CodeHash).IsUnique();
            code.HasIndex(c => c.ExpiresAt);
            code.Property(c => c.CodeHash).HasMaxLength(128);
            code.Property(c => c.ClientId).HasMaxLength(255);
            code.HasOne(c => c.User).WithMany().HasForeignKey(c => c.UserId).OnDelete(DeleteBehavior.Cascade);
            // Removing a client removes its codes, also when a row is deleted outside the stores.
            code.HasOne<OAuthClientEntity>().WithMany().HasForeignKey(c => c.ClientId).HasPrincipalKey(c => c.ClientId)
                .OnDelete(DeleteBehavior.Cascade);
        });
    }
}
