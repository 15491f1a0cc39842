using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Greyhub.Data.Postgres.Migrations
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
                    Name = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false, collation: "C"),
                    UserName = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false, collation: "C"),
                    Status = table.Column<int>(type: "integer", nullable: false),
                    Options = table.Column<string>(type: "text", nullable: false, collation: "C"),
                    TokenHash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false, collation: "C"),
                    TlsCert = table.Column<string>(type: "text", nullable: false, collation: "C"),
                    TlsKey = table.Column<string>(type: "text", nullable: false, collation: "C"),
                    State = table.Column<string>(type: "text", nullable: false, collation: "C"),
                    Reason = table.Column<string>(type: "text", nullable: true, collation: "C"),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    StoppedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
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
