using System.CommandLine;

namespace Greyhub.Host;

/// <summary><c>greyhub users add|list|remove|passwd</c>: the hub's users from the command line, beside a live hub too.</summary>
internal static class UsersCommand
{
    /// <summary>The <c>users</c> command; <paramref name="hostArgs"/> turns a parse result into configuration arguments.</summary>
    public static Command Create(Func<ParseResult, string[]> hostArgs)
    {
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the password from standard input (also the default when it is not a terminal)" };

        var addAdmin = new Option<bool>("--admin") { Description = "Make the user an admin" };
        var addName = new Argument<string>("name") { Description = "User name" };
        var add = new Command("add", "Create a user (or update an existing one) and set their password; prompts twice on a terminal") { addAdmin, passwordStdin, addName };
        add.SetAction((result, ct) => AdminCommands.AddUserAsync(hostArgs(result), result.GetValue(addName)!, result.GetValue(addAdmin), result.GetValue(passwordStdin), ct));

        var list = new Command("list", "List users: name, admin, created, last activity (UTC)");
        list.SetAction((result, ct) => AdminCommands.ListUsersAsync(hostArgs(result), ct));

        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation" };
        var removeName = new Argument<string>("name") { Description = "User to remove" };
        var remove = new Command("remove", "Remove a user with their tokens and group memberships (not while a server of theirs runs); asks first unless --yes") { yes, removeName };
        remove.SetAction((result, ct) => AdminCommands.RemoveUserAsync(hostArgs(result), result.GetValue(removeName)!, result.GetValue(yes), ct));

        var passwdName = new Argument<string>("name") { Description = "User whose password changes" };
        var passwd = new Command("passwd", "Set an existing user's password; prompts twice on a terminal") { passwordStdin, passwdName };
        passwd.SetAction((result, ct) => AdminCommands.ChangePasswordAsync(hostArgs(result), result.GetValue(passwdName)!, result.GetValue(passwordStdin), ct));

        return new Command("users", "Manage users (works on the database directly: safe while the hub runs)") { add, list, remove, passwd };
    }
}
