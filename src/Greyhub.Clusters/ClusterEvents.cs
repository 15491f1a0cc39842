namespace Greyhub.Clusters;

/// <summary>Log event ids of the clusters brick (20xx), stable for operators' filters.</summary>
internal static class ClusterEvents
{
    public const int Created = 2000;
    public const int Running = 2001;
    public const int Stopped = 2002;
    public const int JobStopFailed = 2003;
    public const int CreateTimes = 2004;
    public const int WorkerLaunched = 2010;
    public const int WorkerFailed = 2011;
    public const int WorkerReplaced = 2012;
    public const int WorkerRetired = 2013;
    public const int LaunchAdopted = 2014;
    public const int LaunchTimes = 2015;
    public const int FirstLaunchFailed = 2016;
    public const int ReconcileFailed = 2020;
    public const int ReconcilerFailed = 2021;
}
