using System.CommandLine;

namespace Greyhub.Host;

/// <summary>
/// The <c>greyhub</c> command line: <c>greyhub [serve]</c> runs the hub; <c>greyhub token</c> and
/// <c>greyhub users ...</c> administer it. Other options of <c>serve</c> (<c>--Greyhub:BaseUrl=/jupyter/</c>) are
/// configuration and go to ASP.NET; a word that is neither a command nor an option is refused.
/// </summary>
internal static class GreyhubCommand
{
    /// <summary>Where the hub listens unless configuration says otherwise.</summary>
    public const string DefaultUrl = "http://127.0.0.1:8000";

    public static async Task<int> RunAsync(string[] args)
    {
        var dataDir = new Option<string?>("--data-dir")
        {
            Description = "Data folder: database, keys, users' folders [default: greyhub-data in the current folder, or Greyhub:DataDir from greyhub.json or Greyhub__DataDir]",
            HelpName = "dir",
            Recursive = true,
        };
        // Declared (not only passed through to ASP.NET) so that --help shows it and its default.
        var urls = new Option<string?>("--urls")
        {
            Description = $"Where the hub listens, several separated by ';' [default: {DefaultUrl}, or urls from greyhub.json or ASPNETCORE_URLS]",
            HelpName = "urls",
        };
        var root = new RootCommand("Greyhub: an open data-science platform speaking the JupyterHub API. "
            + "Reads greyhub.json from the current folder, then Greyhub__* environment variables, then --Greyhub:Key=value arguments.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        root.Options.Add(dataDir);
        root.Options.Add(urls);

        var serve = new Command("serve", "Run the hub (the default)") { TreatUnmatchedTokensAsErrors = false };
        serve.Options.Add(urls);
        serve.SetAction((result, ct) => Refuse(result, serve, root) is { } refused
            ? Task.FromResult(refused)
            : HubHost.ServeAsync(HostArgs(result, dataDir, urls), ct));
        root.Subcommands.Add(serve);
        root.SetAction((result, ct) => Refuse(result, root, root) is { } refused
            ? Task.FromResult(refused)
            : HubHost.ServeAsync(HostArgs(result, dataDir, urls), ct));

        var tokenAdmin = new Option<bool>("--admin") { Description = "Make the user an admin" };
        var tokenNote = new Option<string?>("--note") { Description = "Note stored with the token" };
        var tokenUser = new Argument<string>("name") { Description = "User the token is for (created if missing)" };
        var token = new Command("token", "Print a new API token for a user, creating the user if needed") { tokenAdmin, tokenNote, tokenUser };
        token.SetAction((result, ct) => AdminCommands.TokenAsync(HostArgs(result, dataDir, null), result.GetValue(tokenUser)!, result.GetValue(tokenAdmin), result.GetValue(tokenNote), ct));
        root.Subcommands.Add(token);

        root.Subcommands.Add(UsersCommand.Create(result => HostArgs(result, dataDir, null)));
        root.Subcommands.Add(DataCommand.Create(result => HostArgs(result, dataDir, null)));

        foreach (var extra in ExtraCommands.All())
        {
            root.Subcommands.Add(extra);
        }
        return await root.Parse(args).InvokeAsync();
    }

    /// <summary>
    /// A word that names no command and is no option's value (<c>greyhub prxy</c>, <c>greyhub serve foo</c>) is refused
    /// with the closest command, instead of being passed to ASP.NET, which ignores it, and starting a whole hub on the
    /// default port. Options stay configuration: <c>--Key=value</c>, <c>--Key value</c>, <c>Key=value</c>.
    /// </summary>
    private static int? Refuse(ParseResult result, Command command, RootCommand root)
    {
        if (StrayWord(result.UnmatchedTokens) is not { } word)
        {
            return null;
        }
        var commands = root.Subcommands.Select(c => c.Name).ToList();
        var suggestion = Suggestions.Closest(word, commands) is { } closest ? $" Did you mean '{closest}'?" : "";
        Console.Error.WriteLine(command == root
            ? $"greyhub: unknown command '{word}'.{suggestion} Commands: {string.Join(", ", commands)} (greyhub --help)."
            : $"greyhub {command.Name}: unexpected argument '{word}'; configuration is given as --Section:Key=value (greyhub {command.Name} --help).");
        return 2;
    }

    /// <summary>The first token that is neither an option, an option's value, nor <c>key=value</c>.</summary>
    internal static string? StrayWord(IReadOnlyList<string> tokens)
    {
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (token.StartsWith('-') || token.StartsWith('/'))
            {
                // ASP.NET's command-line configuration: "--key value" takes the next token as its value.
                if (!token.Contains('=', StringComparison.Ordinal))
                {
                    i++;
                }
                continue;
            }
            if (!token.Contains('=', StringComparison.Ordinal))
            {
                return token;
            }
        }
        return null;
    }

    /// <summary>Arguments for the host builder: unmatched tokens plus <c>--urls</c> and <c>--data-dir</c> as configuration.</summary>
    private static string[] HostArgs(ParseResult result, Option<string?> dataDir, Option<string?>? urls)
    {
        var list = result.UnmatchedTokens.ToList();
        if (urls is not null && result.GetValue(urls) is { Length: > 0 } listen)
        {
            list.Add("--urls=" + listen);
        }
        if (result.GetValue(dataDir) is { Length: > 0 } dir)
        {
            list.Add("--Greyhub:DataDir=" + dir);
        }
        return [.. list];
    }
}
