using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Greyhub.Abstractions.Compute;

namespace Greyhub.Compute.Slurm;

/// <summary>Resources and placement of a batch job, as both <c>#SBATCH</c> lines and slurmrestd job properties.</summary>
internal sealed record SlurmDirectives
{
    public int? CpusPerTask { get; init; }

    public long? MemoryMegabytes { get; init; }

    public int? Gpus { get; init; }

    public TimeSpan? TimeLimit { get; init; }

    public string? Partition { get; init; }

    public string? Account { get; init; }

    public string? Qos { get; init; }

    /// <summary>Free-form <c>--option[=value]</c> directives (options' and the job's label's).</summary>
    public IReadOnlyList<string> Extra { get; init; } = [];
}

/// <summary>A generated batch job: the script plus what the transports need beside it.</summary>
internal sealed record BatchJob(string Name, string Comment, SlurmJobFolder Folder, SlurmDirectives Directives, string Script, string? RunAsUser);

/// <summary>
/// Writes the batch script of a job. The script picks a free port on the node, records <c>node port</c> in the job's
/// endpoint file (shared folder), and execs the command under <c>env -i</c> with exactly the job's environment
/// (every value single-quoted), so nothing of the submitter's or slurmd's environment reaches the job.
/// </summary>
internal static partial class BatchScript
{
    /// <summary>Label holding per-job directives, one <c>--option[=value]</c> per line.</summary>
    public const string DirectivesLabel = "greyhub.slurm.directives";

    /// <summary>Comment prefix that marks Greyhub's jobs; the rest is the job's own marker.</summary>
    public const string CommentPrefix = "greyhub:";

    // The engine sets these itself; a directive that changed them would break status, logs or isolation.
    private static readonly HashSet<string> Reserved = new(StringComparer.Ordinal)
    {
        "job-name", "comment", "output", "error", "input", "chdir", "export", "export-file", "uid", "gid",
        "open-mode", "wrap", "array", "parsable", "get-user-env",
    };

    public static BatchJob Build(JobSpec spec, SlurmJobFolder folder, string marker, SlurmEngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Command.Count == 0)
        {
            throw new ArgumentException("A job needs a command.", nameof(spec));
        }
        foreach (var key in spec.Environment.Keys.Append(spec.PortVariable ?? "X").Append(spec.HostVariable ?? "X"))
        {
            if (!EnvironmentName().IsMatch(key))
            {
                throw new ArgumentException($"'{key}' is not a valid environment variable name.", nameof(spec));
            }
        }
        var perJob = spec.Labels.TryGetValue(DirectivesLabel, out var lines)
            ? lines.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [];
        if (DirectiveProblems(perJob).FirstOrDefault() is { } problem)
        {
            throw new ArgumentException($"Label {DirectivesLabel}: {problem}", nameof(spec));
        }
        var r = spec.Resources;
        var directives = new SlurmDirectives
        {
            CpusPerTask = r.Cpus is { } c ? Math.Max(1, (int)Math.Ceiling(c)) : null,
            MemoryMegabytes = r.MemoryBytes is { } m ? Math.Max(1, (m + (1 << 20) - 1) >> 20) : null,
            Gpus = r.Gpus is > 0 ? r.Gpus : null,
            TimeLimit = r.TimeLimit,
            Partition = options.Partition,
            Account = options.Account,
            Qos = options.Qos,
            Extra = [.. options.ExtraDirectives ?? [], .. perJob],
        };
        var name = JobName(spec.Name);
        var comment = CommentPrefix + marker;
        return new BatchJob(name, comment, folder, directives, Write(spec, folder, name, comment, directives, options), RunAsUser(spec, options));
    }

    /// <summary>Problems with free-form directives, as sentences.</summary>
    public static IEnumerable<string> DirectiveProblems(IEnumerable<string> directives)
    {
        foreach (var d in directives)
        {
            var match = Directive().Match(d);
            if (!match.Success)
            {
                yield return $"'{d}' must look like --option or --option=value on one line.";
            }
            else if (Reserved.Contains(match.Groups[1].Value))
            {
                yield return $"'{d}' sets --{match.Groups[1].Value}, which the engine manages itself.";
            }
        }
    }

    /// <summary>True for values safe in a directive without quoting.</summary>
    public static bool IsPlainValue(string value) => PlainValue().IsMatch(value);

    /// <summary>Slurm's <c>D-HH:MM:SS</c>, rounded up to whole seconds.</summary>
    public static string FormatTime(TimeSpan limit)
    {
        var seconds = Math.Max(1, (long)Math.Ceiling(limit.TotalSeconds));
        return string.Create(CultureInfo.InvariantCulture, $"{seconds / 86400}-{seconds / 3600 % 24:00}:{seconds / 60 % 60:00}:{seconds % 60:00}");
    }

    /// <summary>Single-quotes a word for bash (a quote becomes <c>'\''</c>; newlines and <c>$</c> stay literal).</summary>
    public static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static string Write(JobSpec spec, SlurmJobFolder folder, string name, string comment, SlurmDirectives d, SlurmEngineOptions options)
    {
        var s = new StringBuilder();
        s.Append("#!/bin/bash\n");
        s.Append($"#SBATCH --job-name={name}\n");
        s.Append($"#SBATCH --comment={comment}\n");
        s.Append($"#SBATCH --output={folder.LogPath}\n");
        s.Append("#SBATCH --open-mode=append\n");
        s.Append($"#SBATCH --chdir={folder.Path}\n");
        s.Append("#SBATCH --nodes=1\n#SBATCH --ntasks=1\n");
        AppendIf(s, "cpus-per-task", d.CpusPerTask?.ToString(CultureInfo.InvariantCulture));
        AppendIf(s, "mem", d.MemoryMegabytes is { } mb ? mb.ToString(CultureInfo.InvariantCulture) + "M" : null);
        AppendIf(s, "gres", d.Gpus is { } g ? "gpu:" + g.ToString(CultureInfo.InvariantCulture) : null);
        AppendIf(s, "time", d.TimeLimit is { } t ? FormatTime(t) : null);
        AppendIf(s, "partition", d.Partition);
        AppendIf(s, "account", d.Account);
        AppendIf(s, "qos", d.Qos);
        foreach (var extra in d.Extra)
        {
            s.Append("#SBATCH ").Append(extra).Append('\n');
        }
        s.Append("# Generated by Greyhub: picks a free port on this node, records the endpoint, runs the command with exactly its environment.\n");
        s.Append("greyhub_dir=").Append(Quote(folder.Path)).Append('\n');
        if (spec.WorkingDirectory is { } cwd)
        {
            s.Append("mkdir -p -- ").Append(Quote(cwd)).Append(" && cd -- ").Append(Quote(cwd))
                .Append(" || { echo \"greyhub: cannot enter the working directory\" >&2; exit 71; }\n");
        }
        var env = new List<string>();
        if (options.PassSlurmVariables)
        {
            s.Append("greyhub_slurm=()\nwhile IFS= read -r -d '' v; do case $v in SLURM_CONF=*) ;; SLURM_*|SLURMD_NODENAME=*) greyhub_slurm+=(\"$v\") ;; esac; done < <(env -0)\n");
            env.Add("\"${greyhub_slurm[@]}\"");
        }
        if (!spec.Environment.ContainsKey("PATH"))
        {
            env.Add(Quote("PATH=/usr/local/bin:/usr/bin:/bin"));
        }
        env.AddRange(spec.Environment.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => Quote(kv.Key + "=" + kv.Value)));
        if (spec.HostVariable is { Length: > 0 } hostVariable)
        {
            env.Add(Quote(hostVariable + "=" + options.BindHost));
        }
        if (spec.PortVariable is { Length: > 0 } portVariable)
        {
            // Jobs starting together on one node could be handed the same free port before either binds it: each
            // reserves its pick (mkdir is atomic) in a node-wide folder until its server listens; stale ones expire.
            s.Append("greyhub_ports=/tmp/greyhub-ports; mkdir -p -m 1777 \"$greyhub_ports\" 2>/dev/null\n");
            s.Append("find \"$greyhub_ports\" -mindepth 1 -maxdepth 1 -mmin +10 -exec rmdir {} + 2>/dev/null\n");
            s.Append("greyhub_port=; for greyhub_try in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do\n");
            s.Append("  greyhub_pick=$(").Append(options.PortCommand).Append(")\n");
            s.Append("  case $greyhub_pick in ''|*[!0-9]*) break ;; esac\n");
            s.Append("  if mkdir \"$greyhub_ports/$greyhub_pick\" 2>/dev/null; then greyhub_port=$greyhub_pick; break; fi\n");
            s.Append("done\n");
            s.Append("case $greyhub_port in ''|*[!0-9]*) echo \"greyhub: could not pick a free port\" >&2; exit 70 ;; esac\n");
            env.Add("\"" + portVariable + "=$greyhub_port\"");
            s.Append("greyhub_endpoint() { printf '%s %s\\n' \"${SLURMD_NODENAME:-$(hostname -s)}\" \"$greyhub_port\" >\"$greyhub_dir/endpoint.tmp.$$\" && mv -f \"$greyhub_dir/endpoint.tmp.$$\" \"$greyhub_dir/endpoint\"; }\n");
            if (options.RecordEndpointWhenListening)
            {
                // A watcher beside the command records the endpoint once the port is in LISTEN state (/proc/net/tcp*)
                // on a socket of the job's own process (after `exec`, $$) or its children: "running with a port" means
                // "answering", a server that dies at start never looks started, and someone else's listener on that
                // port is never taken for this job's server.
                s.Append("greyhub_hex=$(printf '%04X' \"$greyhub_port\")\n");
                s.Append("greyhub_listening() { for i in $(awk -v p=\":$greyhub_hex\" '$2 ~ p\"$\" && $4 == \"0A\" {print $10}' /proc/net/tcp /proc/net/tcp6 2>/dev/null); do ");
                s.Append("for p in $$ $(cat /proc/$$/task/*/children 2>/dev/null); do [ -n \"$(find /proc/$p/fd -lname \"socket:\\[$i\\]\" 2>/dev/null | head -n 1)\" ] && return 0; done; done; return 1; }\n");
                s.Append("( while kill -0 $$ 2>/dev/null; do if greyhub_listening; then greyhub_endpoint; break; fi; sleep 0.1; done; rmdir \"$greyhub_ports/$greyhub_port\" 2>/dev/null ) </dev/null >/dev/null 2>&1 &\n");
            }
            else
            {
                // Nothing tells when the server binds: the reservation expires on its own.
                s.Append("greyhub_endpoint\n");
            }
        }
        // "--" ends env's options; what follows are NAME=VALUE words, then the command.
        s.Append("exec /usr/bin/env -i --");
        foreach (var e in env)
        {
            s.Append(" \\\n  ").Append(e);
        }
        s.Append(" \\\n ");
        foreach (var word in spec.Command)
        {
            s.Append(' ').Append(Quote(word));
        }
        s.Append('\n');
        return s.ToString();
    }

    private static void AppendIf(StringBuilder s, string option, string? value)
    {
        if (value is not null)
        {
            s.Append("#SBATCH --").Append(option).Append('=').Append(value).Append('\n');
        }
    }

    private static string? RunAsUser(JobSpec spec, SlurmEngineOptions options)
    {
        if (options.RunAsUserLabel is not { } label)
        {
            return null;
        }
        if (!spec.Labels.TryGetValue(label, out var user) || !UnixName().IsMatch(user))
        {
            throw new ArgumentException($"The job's label {label} must name a Unix account to run as.", nameof(spec));
        }
        return user;
    }

    internal static string JobName(string name)
    {
        var safe = new string([.. name.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_').Take(100)]);
        return safe.Length == 0 ? "greyhub-job" : safe;
    }

    [GeneratedRegex(@"^--([a-z][a-z0-9-]*)(=[^\r\n\0]*)?$")]
    private static partial Regex Directive();

    [GeneratedRegex(@"^[A-Za-z0-9_.,:+@-]+$")]
    private static partial Regex PlainValue();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvironmentName();

    [GeneratedRegex(@"^[a-z_][a-z0-9_.-]*\$?$")]
    private static partial Regex UnixName();
}
