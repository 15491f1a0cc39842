using System.Globalization;
using Greyhub.Abstractions.Compute;

namespace Greyhub.Compute.Slurm;

/// <summary>Turns Slurm's job state and reason into a <see cref="JobStatus"/> with words for people.</summary>
internal static class SlurmStatus
{
    /// <summary>
    /// True until the job's end is final. COMPLETING counts as active: Slurm reports it instead of the final state
    /// (CANCELLED, TIMEOUT, ...) while the node cleans up, usually for under a second.
    /// </summary>
    public static bool IsActive(string state) => state is "PENDING" or "RUNNING" or "CONFIGURING" or "COMPLETING" or "SUSPENDED" or "REQUEUED"
        or "REQUEUE_HOLD" or "REQUEUE_FED" or "RESIZING" or "SIGNALING" or "STAGE_OUT" or "RESV_DEL_HOLD";

    /// <summary>The phase and reason of a job Slurm reports; <paramref name="stoppedByUs"/> tells a Greyhub stop from an outside cancel.</summary>
    public static JobStatus Map(SlurmJobInfo job, bool stoppedByUs)
    {
        var reason = job.Reason is null or "None" or "" ? null : job.Reason;
        return job.State switch
        {
            "PENDING" => new JobStatus(JobPhase.Pending, Reason: reason is null ? "Pending in queue" : "Pending in queue: " + reason),
            "CONFIGURING" => new JobStatus(JobPhase.Pending, Reason: "Slurm is configuring the node"),
            "REQUEUED" or "REQUEUE_HOLD" or "REQUEUE_FED" => new JobStatus(JobPhase.Pending, Reason: "Requeued by Slurm" + (reason is null ? "" : ": " + reason)),
            "SUSPENDED" => new JobStatus(JobPhase.Pending, Reason: "Suspended by Slurm" + (reason is null ? "" : ": " + reason)),
            "RUNNING" or "RESIZING" or "SIGNALING" or "STAGE_OUT" => new JobStatus(JobPhase.Running),
            "COMPLETING" => new JobStatus(JobPhase.Running, Reason: "Ending: Slurm is cleaning up"),
            _ => Ended(job, reason, stoppedByUs),
        };
    }

    private static JobStatus Ended(SlurmJobInfo job, string? reason, bool stoppedByUs)
    {
        var code = job.Signal is null ? job.ExitCode : null;
        string words = job.State switch
        {
            _ when stoppedByUs => "stopped by Greyhub",
            "COMPLETED" => "exited with code 0",
            "FAILED" when job.Signal is { } sig => $"killed by signal {sig.ToString(CultureInfo.InvariantCulture)}",
            "FAILED" when code is { } c && c != 0 => $"exited with code {c.ToString(CultureInfo.InvariantCulture)}",
            "FAILED" => "Slurm reports the job failed" + (reason is null ? "" : ": " + reason),
            "TIMEOUT" => "Slurm ended the job: time limit reached",
            "CANCELLED" => "Slurm cancelled the job (scancel outside Greyhub, or an administrator)",
            "NODE_FAIL" => "Slurm ended the job: its node failed",
            "PREEMPTED" => "Slurm ended the job: preempted",
            "OUT_OF_MEMORY" => "Slurm ended the job: out of memory",
            "BOOT_FAIL" => "Slurm ended the job: its node failed to boot",
            "DEADLINE" => "Slurm ended the job: deadline reached",
            _ => $"Slurm reports the job {job.State}" + (reason is null ? "" : ": " + reason),
        };
        return new JobStatus(JobPhase.Exited, ExitCode: job.State is "COMPLETED" or "FAILED" ? code : null, Reason: words);
    }
}
