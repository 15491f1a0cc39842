namespace Greyhub.Abstractions.Compute;

/// <summary>
/// A spawner that asks the user with its own HTML form before a start (JupyterHub's <c>Spawner.options_form</c> and
/// <c>options_from_form</c>), instead of or besides <see cref="ISpawner.Profiles"/>. The hub shows the form on its
/// spawn page and turns what the user posted into <c>user_options</c> through <see cref="OptionsFromFormAsync"/>.
/// </summary>
public interface ISpawnerOptionsForm
{
    /// <summary>True when the spawner may have a form (the spawn page is then shown before a start instead of one click).</summary>
    bool MayAskOptions { get; }

    /// <summary>The form's HTML fields for this user's server, or null when the spawner has none for them.</summary>
    Task<string?> GetOptionsFormAsync(SpawnUser user, CancellationToken cancellationToken);

    /// <summary>The posted fields (each a list of values, as a form posts them) as <c>user_options</c>, a JSON object.</summary>
    Task<string> OptionsFromFormAsync(SpawnUser user, IReadOnlyDictionary<string, IReadOnlyList<string>> form, CancellationToken cancellationToken);
}

/// <summary>Whose server a form is for.</summary>
/// <param name="Name">The owner's name.</param>
/// <param name="ServerName">The server's name; empty for the default server.</param>
/// <param name="Admin">Whether the owner is an admin.</param>
/// <param name="Groups">The owner's groups.</param>
public sealed record SpawnUser(string Name, string ServerName, bool Admin, IReadOnlyList<string> Groups);
