namespace Greyhub.Hub.Admission;

/// <summary>
/// How long a start holds its slot, from the last starts this hub ran: the line's estimate for position p with n
/// slots is the number of rounds ahead, ceil(p / n), times the mean of the recent starts.
/// </summary>
internal sealed class SpawnEstimate
{
    private const int Samples = 20;
    private readonly Lock _gate = new();
    private readonly double[] _seconds = new double[Samples];
    private int _count;
    private int _next;

    /// <summary>Records how long one start held its slot.</summary>
    public void Record(TimeSpan held)
    {
        lock (_gate)
        {
            _seconds[_next] = held.TotalSeconds;
            _next = (_next + 1) % Samples;
            _count = Math.Min(_count + 1, Samples);
        }
    }

    /// <summary>The wait before a start at <paramref name="position"/> runs, or null before any start has finished.</summary>
    public TimeSpan? For(int position, int slots)
    {
        lock (_gate)
        {
            if (_count == 0 || slots <= 0)
            {
                return null;
            }
            var mean = _seconds.Take(_count).Average();
            var rounds = (position + slots - 1) / slots;
            return TimeSpan.FromSeconds(Math.Ceiling(rounds * mean));
        }
    }
}
