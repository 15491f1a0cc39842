using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Greyhub.Abstractions.Compute;
using Greyhub.Testing;

namespace Greyhub.Compute.Slurm.Tests;

/// <summary>The batch script, directives, options validation, status wording and JWTs, without a cluster.</summary>
public sealed class BatchScriptTests
{
    private static readonly Dictionary<string, string> Tricky = new()
    {
        ["QUOTES"] = "it's \"quoted\" 'twice'",
        ["DOLLARS"] = "$HOME and `id` and $(id) and ${PATH}",
        ["LINES"] = "first line\nsecond line\n",
        ["SPACES"] = "  leading and trailing  ",
        ["BACKSLASH"] = "back\\slash\\n",
        ["EMPTY"] = "",
        ["UNICODE"] = "é ✓ 日本",
        ["GLOB"] = "* ? [a-z]",
    };

    private static SlurmEngineOptions Options(string dir) => new()
    {
        JobsDirectory = dir,
        Partition = "gpu",
        Account = "proj-42",
        Qos = "normal",
        ExtraDirectives = ["--constraint=skylake", "--exclusive"],
    };

    [Fact]
    public void Directives_come_from_resources_options_and_the_job_label()
    {
        var folder = new SlurmJobFolder("/shared/jobs/x-1");
        var spec = new JobSpec
        {
            Name = "jupyter alice",
            Command = ["jupyterhub-singleuser"],
            Resources = new JobResources { Cpus = 1.5, MemoryBytes = 3L * 1024 * 1024 * 1024 + 1, Gpus = 2, TimeLimit = TimeSpan.FromHours(26.5) + TimeSpan.FromSeconds(0.2) },
            Labels = new Dictionary<string, string> { [BatchScript.DirectivesLabel] = "--reservation=r1\n--nice=10" },
        };
        var job = BatchScript.Build(spec, folder, "abc", Options("/shared/jobs"));
        var lines = job.Script.Split('\n').Where(l => l.StartsWith("#SBATCH", StringComparison.Ordinal)).ToList();
        Assert.Equal(
        [
            "#SBATCH --job-name=jupyter_alice", "#SBATCH --comment=greyhub:abc", "#SBATCH --output=/shared/jobs/x-1/output.log",
            "#SBATCH --open-mode=append", "#SBATCH --chdir=/shared/jobs/x-1", "#SBATCH --nodes=1", "#SBATCH --ntasks=1",
            "#SBATCH --cpus-per-task=2", "#SBATCH --mem=3073M", "#SBATCH --gres=gpu:2", "#SBATCH --time=1-02:30:01",
            "#SBATCH --partition=gpu", "#SBATCH --account=proj-42", "#SBATCH --qos=normal",
            "#SBATCH --constraint=skylake", "#SBATCH --exclusive", "#SBATCH --reservation=r1", "#SBATCH --nice=10",
        ], lines);
        Assert.StartsWith("#!/bin/bash\n", job.Script, StringComparison.Ordinal);
        Assert.Equal("greyhub:abc", job.Comment);
    }

    [Theory]
    [InlineData("--output=/tmp/elsewhere")]
    [InlineData("--export=ALL")]
    [InlineData("--uid=0")]
    [InlineData("-p debug")]
    [InlineData("--partition=a\n#SBATCH --uid=0")]
    public void Reserved_or_malformed_directives_are_refused(string directive)
    {
        var spec = new JobSpec { Name = "x", Command = ["true"], Labels = new Dictionary<string, string> { [BatchScript.DirectivesLabel] = directive } };
        Assert.Throws<ArgumentException>(() => BatchScript.Build(spec, new SlurmJobFolder("/j/x"), "m", new SlurmEngineOptions()));
        Assert.NotEmpty(SlurmEngineOptionsValidator.Problems(new SlurmEngineOptions { ExtraDirectives = [directive] }));
    }

    [Fact]
    public void Invalid_environment_names_are_refused()
    {
        var spec = new JobSpec { Name = "x", Command = ["true"], Environment = new Dictionary<string, string> { ["A=B"] = "c" } };
        Assert.Throws<ArgumentException>(() => BatchScript.Build(spec, new SlurmJobFolder("/j/x"), "m", new SlurmEngineOptions()));
    }

    [Fact]
    public async Task The_script_gives_the_command_exactly_its_environment_and_records_the_endpoint()
    {
        var ct = TestContext.Current.CancellationToken;
        var dir = Directory.CreateTempSubdirectory("greyhub-slurm-script-").FullName;
        var folder = new SlurmJobFolder(Path.Combine(dir, "job"));
        Directory.CreateDirectory(folder.Path);
        var spec = new JobSpec
        {
            Name = "quoting",
            Command = [DebianPython.Path, "-c", "import json, os, sys; print(json.dumps({'env': dict(os.environ), 'argv': sys.argv[1:]}))", "a b", "it's", "$HOME", "line\nbreak"],
            Environment = Tricky,
            WorkingDirectory = Path.Combine(dir, "work dir with 'quote'"),
            PortVariable = "MY_PORT",
            HostVariable = "MY_HOST",
        };
        var job = BatchScript.Build(spec, folder, "m", new SlurmEngineOptions { JobsDirectory = dir, BindHost = "0.0.0.0", RecordEndpointWhenListening = false });
        await File.WriteAllTextAsync(folder.ScriptPath, job.Script, ct);

        var psi = new ProcessStartInfo("/bin/bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(folder.ScriptPath);
        psi.Environment["SLURMD_NODENAME"] = "node7";
        psi.Environment["SLURM_JOB_ID"] = "4242";
        psi.Environment["HUB_SECRET"] = "must-not-leak";
        using var process = Process.Start(psi)!;
        var output = await process.StandardOutput.ReadToEndAsync(ct);
        var error = await process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        Assert.True(process.ExitCode == 0, error);

        using var doc = JsonDocument.Parse(output);
        var env = doc.RootElement.GetProperty("env").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString());
        foreach (var (key, value) in Tricky)
        {
            Assert.Equal(value, env[key]);
        }
        Assert.Equal(["a b", "it's", "$HOME", "line\nbreak"], doc.RootElement.GetProperty("argv").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal("0.0.0.0", env["MY_HOST"]);
        Assert.Equal("4242", env["SLURM_JOB_ID"]);
        Assert.False(env.ContainsKey("HUB_SECRET"));
        Assert.True(Directory.Exists(spec.WorkingDirectory));
        var endpoint = await folder.ReadEndpointAsync(ct);
        Assert.Equal("node7", endpoint?.Host);
        Assert.Equal(int.Parse(env["MY_PORT"]!, System.Globalization.CultureInfo.InvariantCulture), endpoint?.Port);
    }

    [Fact]
    public void Options_report_every_problem()
    {
        var problems = SlurmEngineOptionsValidator.Problems(new SlurmEngineOptions
        {
            Transport = SlurmTransport.Rest,
            JobsDirectory = "relative",
            Partition = "a b",
            ExtraDirectives = ["--chdir=/x"],
            RunAsUserLabel = "greyhub.user",
            Rest = new SlurmRestOptions { Token = "t", TokenFile = "/f" },
        }).ToList();
        Assert.Contains(problems, p => p.Contains("JobsDirectory", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Partition", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("--chdir", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("Rest:Url", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("exactly one of Token", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("RunAsUserLabel", StringComparison.Ordinal));
        Assert.Empty(SlurmEngineOptionsValidator.Problems(new SlurmEngineOptions()));
    }

    [Theory]
    [InlineData("PENDING", "Resources", JobPhase.Pending, "Pending in queue: Resources")]
    [InlineData("PENDING", "None", JobPhase.Pending, "Pending in queue")]
    [InlineData("RUNNING", "None", JobPhase.Running, null)]
    [InlineData("TIMEOUT", "TimeLimit", JobPhase.Exited, "Slurm ended the job: time limit reached")]
    [InlineData("CANCELLED", "None", JobPhase.Exited, "Slurm cancelled the job (scancel outside Greyhub, or an administrator)")]
    [InlineData("PREEMPTED", "None", JobPhase.Exited, "Slurm ended the job: preempted")]
    [InlineData("NODE_FAIL", "None", JobPhase.Exited, "Slurm ended the job: its node failed")]
    public void Slurm_states_read_as_phases_and_reasons(string state, string reason, JobPhase phase, string? words)
    {
        var status = SlurmStatus.Map(SlurmJobInfo.FromWaitStatus("1", state, reason, "n1", 0, "greyhub:m"), stoppedByUs: false);
        Assert.Equal(phase, status.Phase);
        Assert.Equal(words, status.Reason);
    }

    [Fact]
    public void Exit_codes_and_signals_come_from_the_wait_status()
    {
        var failed = SlurmStatus.Map(SlurmJobInfo.FromWaitStatus("1", "FAILED", "NonZeroExitCode", null, 3 << 8, null), false);
        Assert.Equal((3, "exited with code 3"), (failed.ExitCode!.Value, failed.Reason!));
        var killed = SlurmStatus.Map(SlurmJobInfo.FromWaitStatus("1", "FAILED", null, null, 9, null), false);
        Assert.Equal("killed by signal 9", killed.Reason);
        Assert.Equal("stopped by Greyhub", SlurmStatus.Map(SlurmJobInfo.FromWaitStatus("1", "CANCELLED", null, null, 15, null), true).Reason);
    }

    [Fact]
    public void Minted_tokens_are_hs256_jwts_for_the_user()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var token = SlurmTokenSource.Mint(key, "alice", now, TimeSpan.FromMinutes(5));
        var parts = token.Split('.');
        Assert.Equal(3, parts.Length);
        var expected = Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]))).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        Assert.Equal(expected, parts[2]);
        var payload = parts[1].Replace('-', '+').Replace('_', '/');
        using var claims = JsonDocument.Parse(Convert.FromBase64String(payload.PadRight(payload.Length + ((4 - (payload.Length % 4)) % 4), '=')));
        Assert.Equal("alice", claims.RootElement.GetProperty("sun").GetString());
        Assert.Equal(1_800_000_300, claims.RootElement.GetProperty("exp").GetInt64());
    }
}
