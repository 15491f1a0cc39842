using System.CommandLine;

namespace Greyhub.Host;

/// <summary>
/// The <c>greyhub</c> command line: <c>greyhub [serve]</c> runs the hub; <c>greyhub token</c> and
/// <c>greyhub users add</c> administer it. Unknown options of <c>serve</c> (e.g. <c>--urls</c>) go to ASP.NET.
/// </summary>
internal static class GreyhubCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var dataDir = new Option<string?>("--data-dir") { Description = "Data folder (default ./greyhub-data, or Greyhub__DataDir)", Recursive = true };
        var root = new RootCommand("Greyhub: an open data-science platform speaking the JupyterHub API");
        root.Options.Add(dataDir);
        root.TreatUnmatchedTokensAsErrors = false;

        var serve = new Command("serve", "Run the hub (the default)") { TreatUnmatchedTokensAsErrors = false };
        serve.SetAction((result, ct) => HubHost.ServeAsync(HostArgs(result, dataDir), ct));
        root.Subcommands.Add(serve);
        root.SetAction((result, ct) => UnknownCommand(result, root) is { } unknown
            ? Task.FromResult(unknown)
            : HubHost.ServeAsync(HostArgs(result, dataDir), ct));

        var tokenAdmin = new Option<bool>("--admin") { Description = "Make the user an admin" };
        var tokenNote = new Option<string?>("--note") { Description = "Note stored with the token" };
        var tokenUser = new Argument<string>("name") { Description = "User the token is for (created if missing)" };
        var token = new Command("token", "Print a new API token for a user, creating the user if needed") { tokenAdmin, tokenNote, tokenUser };
        token.SetAction((result, ct) => AdminCommands.TokenAsync(HostArgs(result, dataDir), result.GetValue(tokenUser)!, result.GetValue(tokenAdmin), result.GetValue(tokenNote), ct));
        root.Subcommands.Add(token);

        var usersAdmin = new Option<bool>("--admin") { Description = "Make the user an admin" };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the password from standard input instead of prompting" };
        var usersName = new Argument<string>("name") { Description = "User name" };
        var usersAdd = new Command("add", "Create a user (or update an existing one) and set their password") { usersAdmin, passwordStdin, usersName };
        usersAdd.SetAction((result, ct) => AdminCommands.AddUserAsync(HostArgs(result, dataDir), result.GetValue(usersName)!, result.GetValue(usersAdmin), result.GetValue(passwordStdin), ct));
        var users = new Command("users", "Manage users") { usersAdd };
        root.Subcommands.Add(users);

        foreach (var extra in ExtraCommands.All())
        {
            root.Subcommands.Add(extra);
        }
        return await root.Parse(args).InvokeAsync();
    }

    /// <summary>
    /// A first word that names no command (<c>greyhub prxy</c>) is refused with the list of commands, instead of being
    /// passed to ASP.NET and starting a whole hub on the default port. Options (<c>--urls ...</c>) still go to ASP.NET.
    /// </summary>
    private static int? UnknownCommand(ParseResult result, RootCommand root)
    {
        if (result.UnmatchedTokens is not [var first, ..] || first.StartsWith('-'))
        {
            return null;
        }
        var commands = string.Join(", ", root.Subcommands.Select(c => c.Name));
        Console.Error.WriteLine($"greyhub: unknown command '{first}'. Commands: {commands} (greyhub --help).");
        return 2;
    }

    /// <summary>Arguments for the host builder: unmatched tokens plus <c>--data-dir</c> as configuration.</summary>
    private static string[] HostArgs(ParseResult result, Option<string?> dataDir)
    {
        var list = result.UnmatchedTokens.ToList();
        if (result.GetValue(dataDir) is { Length: > 0 } dir)
        {
            list.Add("--Greyhub:DataDir=" + dir);
        }
        return [.. list];
    }
}
