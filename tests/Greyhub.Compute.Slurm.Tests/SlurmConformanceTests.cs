using Greyhub.Abstractions.Compute;
using Greyhub.Compute.TestKit;

namespace Greyhub.Compute.Slurm.Tests;

/// <summary>The Slurm engine over sbatch/squeue/scancel passes the engine conformance kit.</summary>
public sealed class SlurmCliConformanceTests : ComputeEngineConformance
{
    protected override IComputeEngine CreateEngine() => SlurmCluster.Engine(SlurmTransport.Cli);
}

/// <summary>The Slurm engine over slurmrestd (JWT) passes the engine conformance kit.</summary>
public sealed class SlurmRestConformanceTests : ComputeEngineConformance
{
    protected override IComputeEngine CreateEngine() => SlurmCluster.Engine(SlurmTransport.Rest);
}
