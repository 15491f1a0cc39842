using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Greyhub.Data.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class ServerStopReason : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "StopReason",
                table: "servers",
                type: "TEXT",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "StopReason",
                table: "servers");
        }
    }
}
