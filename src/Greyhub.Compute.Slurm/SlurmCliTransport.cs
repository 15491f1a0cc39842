using System.Globalization;
using System.Text.RegularExpressions;

namespace Greyhub.Compute.Slurm;

/// <summary>
/// Talks to Slurm through its commands: <c>sbatch</c> submits the generated script, one <c>squeue</c> reports every
/// job of a poll, <c>scancel</c> stops, <c>scontrol</c> resolves node addresses and <c>sacct</c> (when enabled)
/// reports jobs slurmctld has forgotten.
/// </summary>
internal sealed partial class SlurmCliTransport(SlurmEngineOptions options, ICommandRunner runner) : ISlurmTransport
{
    // Every field ends with '|'; the comment (ours, never holding '|') comes last.
    private const string SqueueFormat = "JobID:|,State:|,Reason:|,BatchHost:|,exit_code:|,Comment:|";

    public async Task<string> SubmitAsync(BatchJob job, CancellationToken cancellationToken)
    {
        await File.WriteAllTextAsync(job.Folder.ScriptPath, job.Script, cancellationToken);
        List<string> args = ["--parsable", "--export=ALL"];
        if (job.RunAsUser is { } user)
        {
            args.Add("--uid=" + user);
        }
        args.Add(job.Folder.ScriptPath);
        var result = await RunAsync("sbatch", args, cancellationToken);
        var id = result.StdOut.Trim().Split(';')[0];
        return id.Length > 0 && id.All(char.IsAsciiDigit) ? id : throw new SlurmException($"sbatch printed no job id: {result.StdOut.Trim()}");
    }

    public async Task<IReadOnlyList<SlurmJobInfo>> QueryAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        return await SqueueAsync(["--noheader", "--states=all", "--jobs=" + string.Join(',', ids), "--Format=" + SqueueFormat], cancellationToken);
    }

    private async Task<IReadOnlyList<SlurmJobInfo>> SqueueAsync(List<string> args, CancellationToken cancellationToken)
    {
        var result = await runner.RunAsync("squeue", args, cancellationToken);
        if (result.ExitCode != 0)
        {
            // squeue fails when the only id it was asked about is unknown: that job is simply gone.
            return result.StdErr.Contains("Invalid job id", StringComparison.OrdinalIgnoreCase)
                ? []
                : throw new SlurmException($"squeue failed ({result.ExitCode}): {result.StdErr.Trim()}");
        }
        var jobs = new List<SlurmJobInfo>();
        foreach (var line in result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split('|');
            if (f.Length < 6)
            {
                continue;
            }
            long? status = long.TryParse(f[4].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : null;
            var host = f[3].Trim();
            jobs.Add(SlurmJobInfo.FromWaitStatus(f[0].Trim(), f[1].Trim(), f[2].Trim(), host is "" or "n/a" or "(null)" ? null : host, status, f[5].Trim()));
        }
        return jobs;
    }

    public Task<IReadOnlyList<SlurmJobInfo>> QueryByNameAsync(string name, CancellationToken cancellationToken) =>
        SqueueAsync(["--noheader", "--states=all", "--name=" + name, "--Format=" + SqueueFormat], cancellationToken);

    public async Task<IReadOnlyList<SlurmJobInfo>> QueryFinishedAsync(IReadOnlyCollection<string> ids, CancellationToken cancellationToken)
    {
        if (!options.UseSacct || ids.Count == 0)
        {
            return [];
        }
        var args = new List<string> { "--noheader", "--parsable2", "--allocations", "--jobs=" + string.Join(',', ids), "--format=JobIDRaw,State,ExitCode,Reason,NodeList" };
        var result = await RunAsync("sacct", args, cancellationToken);
        var jobs = new List<SlurmJobInfo>();
        foreach (var line in result.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split('|');
            if (f.Length < 5)
            {
                continue;
            }
            // ExitCode is "code:signal"; State may read "CANCELLED by 1000".
            var code = f[2].Split(':');
            int? exit = int.TryParse(code[0], CultureInfo.InvariantCulture, out var e) ? e : null;
            int? signal = code.Length > 1 && int.TryParse(code[1], CultureInfo.InvariantCulture, out var g) && g != 0 ? g : null;
            jobs.Add(new SlurmJobInfo(f[0], f[1].Split(' ')[0], f[3], f[4], exit, signal, Comment: null));
        }
        return jobs;
    }

    public Task TerminateAsync(string id, CancellationToken cancellationToken) =>
        RunAsync("scancel", ["--signal=TERM", "--full", id], cancellationToken);

    public Task CancelAsync(string id, CancellationToken cancellationToken) =>
        RunAsync("scancel", [id], cancellationToken);

    public async Task<string?> NodeAddressAsync(string node, CancellationToken cancellationToken)
    {
        var result = await runner.RunAsync("scontrol", ["show", "node", node, "--oneliner"], cancellationToken);
        return result.ExitCode == 0 && NodeAddr().Match(result.StdOut) is { Success: true } m ? m.Groups[1].Value : null;
    }

    private async Task<CommandResult> RunAsync(string program, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var result = await runner.RunAsync(program, args, cancellationToken);
        return result.ExitCode == 0
            ? result
            : throw new SlurmException($"{CommandText.Of(program, args)} failed ({result.ExitCode}): {result.StdErr.Trim()}");
    }

    [GeneratedRegex(@"\bNodeAddr=(\S+)")]
    private static partial Regex NodeAddr();
}
