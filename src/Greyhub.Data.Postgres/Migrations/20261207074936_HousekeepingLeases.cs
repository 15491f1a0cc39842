using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Greyhub.Data.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class HousekeepingLeases : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "housekeeping_leases",
                columns: table => new
                {
                    Name = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false, collation: "C"),
                    Holder = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false, collation: "C"),
                    ExpiresAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_housekeeping_leases", x => x.Name);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "housekeeping_leases");
        }
    }
}
