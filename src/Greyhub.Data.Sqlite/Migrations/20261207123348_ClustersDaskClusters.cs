using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Greyhub.Data.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class ClustersDaskClusters : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "dask_clusters",
                columns: table => new
                {
                    Name = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    UserName = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    Status = table.Column<int>(type: "INTEGER", nullable: false),
                    Options = table.Column<string>(type: "TEXT", nullable: false),
                    TokenHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    TlsCert = table.Column<string>(type: "TEXT", nullable: false),
                    TlsKey = table.Column<string>(type: "TEXT", nullable: false),
                    State = table.Column<string>(type: "TEXT", nullable: false),
                    Reason = table.Column<string>(type: "TEXT", nullable: true),
                    CreatedAt = table.Column<string>(type: "TEXT", nullable: false),
                    StoppedAt = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_dask_clusters", x => x.Name);
                });

            migrationBuilder.CreateIndex(
                name: "IX_dask_clusters_Status",
                table: "dask_clusters",
                column: "Status");

            migrationBuilder.CreateIndex(
                name: "IX_dask_clusters_UserName_Status",
                table: "dask_clusters",
                columns: new[] { "UserName", "Status" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "dask_clusters");
        }
    }
}
