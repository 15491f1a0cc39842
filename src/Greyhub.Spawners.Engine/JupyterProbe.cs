using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Greyhub.Spawners.Engine;

/// <summary>
/// The Jupyter packages a single-user command's Python can import, each as its version ("" when installed without
/// package metadata), null when absent.
/// </summary>
/// <param name="JupyterHub">The <c>jupyterhub</c> package, whose version is jupyterhub-singleuser's.</param>
/// <param name="JupyterLab">JupyterLab.</param>
/// <param name="Notebook">The Notebook (6 runs as its own server; 7 is an extension of Jupyter Server).</param>
/// <param name="NotebookApp">True when <c>notebook.notebookapp</c> exists (the Notebook 6 application).</param>
/// <param name="JupyterServer">Jupyter Server.</param>
internal sealed record JupyterInstall(string? JupyterHub, string? JupyterLab, string? Notebook, bool NotebookApp, string? JupyterServer)
{
    /// <summary>The packages found, in words for the log (e.g. <c>jupyterhub 3.0.0, notebook 6.4.12</c>).</summary>
    public string Summary()
    {
        var found = new List<string>();
        Add("jupyterhub", JupyterHub);
        Add("jupyterlab", JupyterLab);
        Add("notebook", Notebook);
        Add("jupyter_server", JupyterServer);
        return found.Count == 0 ? "no Jupyter package" : string.Join(", ", found);

        void Add(string name, string? version)
        {
            if (version is not null)
            {
                found.Add(version.Length == 0 ? name : $"{name} {version}");
            }
        }
    }
}

/// <summary>
/// Asks the Python that runs a single-user command which Jupyter packages it can import: the interpreter named on the
/// script's <c>#!</c> line, run with the server's own environment (its <c>PATH</c>, <c>PYTHONPATH</c>, virtual env), so
/// the answer is the server's, not the hub's. Only package metadata and module locations are read; nothing is imported
/// but the packages' top level.
/// </summary>
internal static class JupyterProbe
{
    private const string Script = """
        import json, importlib.util
        from importlib import metadata
        def found(module, dist):
            try:
                if importlib.util.find_spec(module) is None:
                    return None
            except Exception:
                return None
            try:
                return metadata.version(dist)
            except Exception:
                return ""
        print(json.dumps({
            "jupyterhub": found("jupyterhub", "jupyterhub"),
            "jupyterlab": found("jupyterlab", "jupyterlab"),
            "notebook": found("notebook", "notebook"),
            "notebookapp": found("notebook.notebookapp", "notebook") is not None,
            "jupyter_server": found("jupyter_server", "jupyter_server"),
        }))
        """;

    /// <summary>
    /// What <paramref name="program"/>'s Python has; null when the program is not a Python script. Throws
    /// <see cref="JupyterProbeException"/> when the interpreter fails or says nothing readable within <paramref name="timeout"/>.
    /// </summary>
    public static async Task<JupyterInstall?> ProbeAsync(string program, IReadOnlyDictionary<string, string> environment, TimeSpan timeout, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(environment);
        if (await InterpreterAsync(program, cancellationToken) is not { } interpreter)
        {
            return null;
        }
        // No working folder of the user's: a stray module there must not answer for an installed one.
        var psi = new ProcessStartInfo(interpreter[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = "/",
        };
        foreach (var arg in interpreter.Skip(1))
        {
            psi.ArgumentList.Add(arg);
        }
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(Script);
        psi.Environment.Clear();
        foreach (var (key, value) in environment)
        {
            // The server's credentials are not the probe's business.
            if (!key.StartsWith("JUPYTERHUB_", StringComparison.Ordinal))
            {
                psi.Environment[key] = value;
            }
        }
        if (!psi.Environment.ContainsKey("PATH"))
        {
            psi.Environment["PATH"] = ProgramLookup.DefaultPath;
        }
        using var process = StartOrNull(psi) ?? throw new JupyterProbeException($"{interpreter[0]} (named on the first line of {program}) could not be started");
        process.StandardInput.Close();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        var output = process.StandardOutput.ReadToEndAsync(limit.Token);
        var errors = process.StandardError.ReadToEndAsync(limit.Token);
        try
        {
            await process.WaitForExitAsync(limit.Token);
            var (stdout, stderr) = (await output, await errors);
            return process.ExitCode == 0
                ? Parse(stdout) ?? throw new JupyterProbeException($"{interpreter[0]} answered something unreadable: {Shorten(stdout)}")
                : throw new JupyterProbeException($"{interpreter[0]} exited with code {process.ExitCode}: {Shorten(stderr)}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: true);
            throw new JupyterProbeException($"{interpreter[0]} did not answer within {timeout.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)} seconds");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    /// <summary>The interpreter and its argument from the <c>#!</c> line, when it names a Python; else null.</summary>
    internal static async Task<string[]?> InterpreterAsync(string program, CancellationToken cancellationToken)
    {
        var head = new byte[256];
        int read;
        try
        {
            await using var file = new FileStream(program, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            read = await file.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        if (read < 3 || head[0] != '#' || head[1] != '!')
        {
            return null;
        }
        var line = Encoding.UTF8.GetString(head, 2, read - 2).Split('\n')[0].Trim();
        // Linux passes the interpreter and at most one argument, the rest of the line as one word.
        var space = line.IndexOfAny([' ', '\t']);
        string[] words = space < 0 ? [line] : [line[..space], line[(space + 1)..].Trim()];
        return words.Any(w => Path.GetFileName(w).StartsWith("python", StringComparison.Ordinal)) ? words : null;
    }

    private static JupyterInstall? Parse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            return root.ValueKind != JsonValueKind.Object ? null : new JupyterInstall(
                Text(root, "jupyterhub"), Text(root, "jupyterlab"), Text(root, "notebook"),
                root.TryGetProperty("notebookapp", out var app) && app.ValueKind == JsonValueKind.True,
                Text(root, "jupyter_server"));
        }
        catch (JsonException)
        {
            return null;
        }

        static string? Text(JsonElement root, string name) =>
            root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }

    private static Process? StartOrNull(ProcessStartInfo psi)
    {
        try
        {
            return Process.Start(psi);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    private static string Shorten(string text)
    {
        var trimmed = text.Trim();
        return trimmed.Length <= 300 ? trimmed : "…" + trimmed[^300..];
    }
}

/// <summary>The probe's interpreter failed; the message says how.</summary>
internal sealed class JupyterProbeException(string message) : Exception(message);
