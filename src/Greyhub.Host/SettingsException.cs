namespace Greyhub.Host;

/// <summary>Configuration under Greyhub's sections that would not bind; nothing was started.</summary>
internal sealed class SettingsException(IReadOnlyList<string> problems) : Exception(string.Join(Environment.NewLine, problems))
{
    /// <summary>One line per problem.</summary>
    public IReadOnlyList<string> Problems { get; } = problems;
}
