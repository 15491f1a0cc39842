using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Greyhub.Data.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class OAuth : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "oauth_clients",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    ClientId = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    SecretHash = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    RedirectUri = table.Column<string>(type: "TEXT", nullable: false),
                    Description = table.Column<string>(type: "TEXT", nullable: false),
                    AllowedScopes = table.Column<string>(type: "TEXT", nullable: false),
                    Created = table.Column<DateTime>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_oauth_clients", x => x.Id);
                    table.UniqueConstraint("AK_oauth_clients_ClientId", x => x.ClientId);
                });

            migrationBuilder.CreateTable(
                name: "oauth_codes",
                columns: table => new
                {
                    Id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    CodeHash = table.Column<string>(type: "TEXT", maxLength: 128, nullable: false),
                    ClientId = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    UserId = table.Column<int>(type: "INTEGER", nullable: false),
                    RedirectUri = table.Column<string>(type: "TEXT", nullable: false),
                    Scopes = table.Column<string>(type: "TEXT", nullable: false),
                    SessionId = table.Column<string>(type: "TEXT", nullable: true),
                    ExpiresAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    IssuedTokenId = table.Column<int>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_oauth_codes", x => x.Id);
                    table.ForeignKey(
                        name: "FK_oauth_codes_oauth_clients_ClientId",
                        column: x => x.ClientId,
                        principalTable: "oauth_clients",
                        principalColumn: "ClientId",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_oauth_codes_users_UserId",
                        column: x => x.UserId,
                        principalTable: "users",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_api_tokens_ClientId",
                table: "api_tokens",
                column: "ClientId");

            migrationBuilder.CreateIndex(
                name: "IX_oauth_codes_ClientId",
                table: "oauth_codes",
                column: "ClientId");

            migrationBuilder.CreateIndex(
                name: "IX_oauth_codes_CodeHash",
                table: "oauth_codes",
                column: "CodeHash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_oauth_codes_ExpiresAt",
                table: "oauth_codes",
                column: "ExpiresAt");

            migrationBuilder.CreateIndex(
                name: "IX_oauth_codes_UserId",
                table: "oauth_codes",
                column: "UserId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "oauth_codes");

            migrationBuilder.DropTable(
                name: "oauth_clients");

            migrationBuilder.DropIndex(
                name: "IX_api_tokens_ClientId",
                table: "api_tokens");
        }
    }
}
