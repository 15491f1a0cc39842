namespace Greyhub.Spawners.Engine;

/// <summary>The web UI a server opens on: which single-user application runs, and its first page.</summary>
internal enum ServerUi
{
    /// <summary>Nothing set: the single-user server's own default (Debian's 3.0 opens <c>/tree</c>).</summary>
    None,

    /// <summary>JupyterLab at <c>/lab</c>.</summary>
    Lab,

    /// <summary>Notebook 7 (an extension of Jupyter Server) at <c>/tree</c>.</summary>
    Notebook,

    /// <summary>The classic Notebook 6, its own server (<c>notebook.notebookapp.NotebookApp</c>), at <c>/tree</c>.</summary>
    Classic,

    /// <summary>Jupyter Server alone: its one page at the server's root ("A Jupyter Server is running.").</summary>
    Server,
}

/// <summary>The names <c>Greyhub:Spawner:Ui</c> takes, what each sets, and the automatic choice.</summary>
internal static class ServerUis
{
    /// <summary>Find out from what the command's Python has (the local engine only).</summary>
    public const string Auto = "auto";

    /// <summary>The variable naming the single-user application (JupyterHub's <c>JUPYTERHUB_SINGLEUSER_APP</c>).</summary>
    public const string AppVariable = "JUPYTERHUB_SINGLEUSER_APP";

    /// <summary>The variable naming the first page (JupyterHub's <c>Spawner.default_url</c>).</summary>
    public const string DefaultUrlVariable = "JUPYTERHUB_DEFAULT_URL";

    private static readonly Dictionary<string, ServerUi> ByName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["lab"] = ServerUi.Lab,
        ["notebook"] = ServerUi.Notebook,
        ["classic"] = ServerUi.Classic,
        ["server"] = ServerUi.Server,
        ["none"] = ServerUi.None,
    };

    /// <summary>Every valid value, for validation messages.</summary>
    public static IReadOnlyList<string> Names { get; } = [Auto, .. ByName.Keys];

    /// <summary>True for a valid name (letter case ignored).</summary>
    public static bool IsValid(string? name) => name is not null && (string.Equals(name, Auto, StringComparison.OrdinalIgnoreCase) || ByName.ContainsKey(name));

    /// <summary>The UI a fixed name picks; null for <c>auto</c>.</summary>
    public static ServerUi? Fixed(string name) => ByName.TryGetValue(name, out var ui) ? ui : null;

    /// <summary>
    /// What the automatic choice opens: JupyterLab where installed, else the Notebook (7 on Jupyter Server, or the
    /// classic 6 run as its own server, which is what Debian 12 ships), else Jupyter Server's own page. The classic
    /// Notebook is named explicitly because jupyterhub-singleuser 3.0 prefers Jupyter Server when both are present, and
    /// then its default page, <c>/tree</c>, does not exist.
    /// </summary>
    public static ServerUi Choose(JupyterInstall install)
    {
        ArgumentNullException.ThrowIfNull(install);
        if (install.JupyterLab is not null)
        {
            return ServerUi.Lab;
        }
        if (install.NotebookApp)
        {
            return ServerUi.Classic;
        }
        if (install.Notebook is not null && install.JupyterServer is not null)
        {
            return ServerUi.Notebook;
        }
        return install.JupyterServer is not null ? ServerUi.Server : ServerUi.None;
    }

    /// <summary>The environment that makes jupyterhub-singleuser (3.0 and later) open this UI.</summary>
    public static IReadOnlyDictionary<string, string> Variables(ServerUi ui) => ui switch
    {
        ServerUi.Lab => new Dictionary<string, string> { [DefaultUrlVariable] = "/lab" },
        ServerUi.Notebook => new Dictionary<string, string> { [DefaultUrlVariable] = "/tree" },
        ServerUi.Classic => new Dictionary<string, string> { [AppVariable] = "notebook.notebookapp.NotebookApp", [DefaultUrlVariable] = "/tree" },
        // Named, so that a missing Jupyter Server fails with its import error rather than falling back to another app.
        ServerUi.Server => new Dictionary<string, string> { [AppVariable] = "jupyter_server.serverapp.ServerApp", [DefaultUrlVariable] = "/" },
        _ => new Dictionary<string, string>(),
    };

    /// <summary>The UI in words, for the log.</summary>
    public static string Describe(ServerUi ui) => ui switch
    {
        ServerUi.Lab => "JupyterLab at /lab",
        ServerUi.Notebook => "the Notebook at /tree",
        ServerUi.Classic => "the classic Notebook at /tree",
        ServerUi.Server => "Jupyter Server's own page at /",
        _ => "the single-user server's default page",
    };
}
