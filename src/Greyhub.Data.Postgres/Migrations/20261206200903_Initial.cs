using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Greyhub.Data.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "groups",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Name = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false, collation: "C"),
                    Properties = table.Column<string>(type: "text", nullable: false, collation: "C")
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_groups", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "oauth_clients",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    ClientId = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false, collation: "C"),
                    SecretHash = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false, collation: "C"),
                    RedirectUri = table.Column<string>(type: "text", nullable: false, collation: "C"),
                    Description = table.Column<string>(type: "text", nullable: false, collation: "C"),
                    AllowedScopes = table.Column<string>(type: "text", nullable: false, collation: "C"),
                    Created = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_oauth_clients", x => x.Id);
                    table.UniqueConstraint("AK_oauth_clients_ClientId", x => x.ClientId);
                });

            migrationBuilder.CreateTable(
                name: "users",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Name = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false, collation: "C"),
                    Admin = table.Column<bool>(type: "boolean", nullable: false),
                    Created = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    LastActivity = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    PasswordHash = table.Column<string>(type: "text", nullable: true, collation: "C")
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_users", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "api_tokens",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    Hash = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false, collation: "C"),
                    Prefix = table.Column<string>(type: "text", nullable: false, collation: "C"),
                    UserId = table.Column<int>(type: "integer", nullable: true),
                    ServiceName = table.Column<string>(type: "text", nullable: true, collation: "C"),
                    Scopes = table.Column<string>(type: "text", nullable: false, collation: "C"),
                    Note = table.Column<string>(type: "text", nullable: true, collation: "C"),
                    SessionId = table.Column<string>(type: "text", nullable: true, collation: "C"),
                    ClientId = table.Column<string>(type: "text", nullable: false, collation: "C"),
                    Created = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    ExpiresAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    LastActivity = table.Column<DateTime>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_api_tokens", x => x.Id);
                    table.ForeignKey(
                        name: "FK_api_tokens_users_UserId",
                        column: x => x.UserId,
                        principalTable: "users",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "oauth_codes",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    CodeHash = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: false, collation: "C"),
                    ClientId = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: false, collation: "C"),
                    UserId = table.Column<int>(type: "integer", nullable: false),
                    RedirectUri = table.Column<string>(type: "text", nullable: false, collation: "C"),
                    Scopes = table.Column<string>(type: "text", nullable: false, collation: "C"),
                    SessionId = table.Column<string>(type: "text", nullable: true, collation: "C"),
                    ExpiresAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    IssuedTokenId = table.Column<int>(type: "integer", nullable: true)
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

            migrationBuilder.CreateTable(
                name: "servers",
                columns: table => new
                {
                    Id = table.Column<int>(type: "integer", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    UserId = table.Column<int>(type: "integer", nullable: false),
                    Name = table.Column<string>(type: "text", nullable: false, collation: "C"),
                    Phase = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false, collation: "C"),
                    Url = table.Column<string>(type: "text", nullable: true, collation: "C"),
                    Started = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    LastActivity = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    UserOptions = table.Column<string>(type: "text", nullable: false, collation: "C"),
                    State = table.Column<string>(type: "text", nullable: false, collation: "C"),
                    StopReason = table.Column<string>(type: "text", nullable: true, collation: "C")
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_servers", x => x.Id);
                    table.ForeignKey(
                        name: "FK_servers_users_UserId",
                        column: x => x.UserId,
                        principalTable: "users",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "user_group_map",
                columns: table => new
                {
                    GroupId = table.Column<int>(type: "integer", nullable: false),
                    UserId = table.Column<int>(type: "integer", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_user_group_map", x => new { x.GroupId, x.UserId });
                    table.ForeignKey(
                        name: "FK_user_group_map_groups_GroupId",
                        column: x => x.GroupId,
                        principalTable: "groups",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_user_group_map_users_UserId",
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
                name: "IX_api_tokens_ExpiresAt",
                table: "api_tokens",
                column: "ExpiresAt");

            migrationBuilder.CreateIndex(
                name: "IX_api_tokens_Hash",
                table: "api_tokens",
                column: "Hash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_api_tokens_ServiceName",
                table: "api_tokens",
                column: "ServiceName");

            migrationBuilder.CreateIndex(
                name: "IX_api_tokens_UserId",
                table: "api_tokens",
                column: "UserId");

            migrationBuilder.CreateIndex(
                name: "IX_groups_Name",
                table: "groups",
                column: "Name",
                unique: true);

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

            migrationBuilder.CreateIndex(
                name: "IX_servers_Phase",
                table: "servers",
                column: "Phase");

            migrationBuilder.CreateIndex(
                name: "IX_servers_UserId_Name",
                table: "servers",
                columns: new[] { "UserId", "Name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_user_group_map_UserId",
                table: "user_group_map",
                column: "UserId");

            migrationBuilder.CreateIndex(
                name: "IX_users_LastActivity",
                table: "users",
                column: "LastActivity");

            migrationBuilder.CreateIndex(
                name: "IX_users_Name",
                table: "users",
                column: "Name",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "api_tokens");

            migrationBuilder.DropTable(
                name: "oauth_codes");

            migrationBuilder.DropTable(
                name: "servers");

            migrationBuilder.DropTable(
                name: "user_group_map");

            migrationBuilder.DropTable(
                name: "oauth_clients");

            migrationBuilder.DropTable(
                name: "groups");

            migrationBuilder.DropTable(
                name: "users");
        }
    }
}
