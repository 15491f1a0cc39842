using System.Text;

namespace Greyhub.Host;

/// <summary>
/// Questions on the terminal. Prompts go to stderr, so stdout holds only a command's result; without a terminal
/// (a pipe, a script) answers are read as lines from stdin.
/// </summary>
internal static class Prompts
{
    /// <summary>A new password: typed twice without echo on a terminal, else one line of stdin; null when the two differ or stdin ended.</summary>
    public static async Task<string?> NewPasswordAsync(string name, bool fromStdin, CancellationToken cancellationToken)
    {
        if (fromStdin || Console.IsInputRedirected)
        {
            return (await Console.In.ReadLineAsync(cancellationToken))?.TrimEnd('\r', '\n');
        }
        Console.Error.Write($"Password for {name}: ");
        var first = ReadHidden();
        Console.Error.Write("Repeat password: ");
        var second = ReadHidden();
        if (first != second)
        {
            await Console.Error.WriteLineAsync("greyhub: the passwords do not match");
            return null;
        }
        return first;
    }

    /// <summary>Asks a yes/no question; only "y" or "yes" is a yes (an empty answer or the end of stdin is a no).</summary>
    public static async Task<bool> ConfirmAsync(string question, CancellationToken cancellationToken)
    {
        Console.Error.Write(question + " [y/N] ");
        var answer = await Console.In.ReadLineAsync(cancellationToken);
        if (Console.IsInputRedirected)
        {
            // The answer was not echoed by a terminal: end the prompt's line.
            await Console.Error.WriteLineAsync();
        }
        return answer?.Trim().ToLowerInvariant() is "y" or "yes";
    }

    private static string ReadHidden()
    {
        var chars = new StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                Console.Error.WriteLine();
                return chars.ToString();
            }
            if (key.Key == ConsoleKey.Backspace)
            {
                if (chars.Length > 0)
                {
                    chars.Length--;
                }
                continue;
            }
            if (!char.IsControl(key.KeyChar))
            {
                chars.Append(key.KeyChar);
            }
        }
    }
}
