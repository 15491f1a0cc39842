namespace Greyhub.Host;

/// <summary>"Did you mean ...?": the closest known word to a mistyped one, for commands and configuration keys.</summary>
internal static class Suggestions
{
    /// <summary>
    /// The candidate nearest to <paramref name="word"/> (case-insensitive edit distance), or null when none is close
    /// enough to be a typo: at most a third of the word's letters differ, and at least one is kept.
    /// </summary>
    public static string? Closest(string word, IEnumerable<string> candidates)
    {
        var limit = Math.Max(1, word.Length / 3);
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = Distance(word.ToLowerInvariant(), candidate.ToLowerInvariant());
            // A prefix ("tok" for "token") counts as close too: a word cut short is a common slip.
            if (candidate.StartsWith(word, StringComparison.OrdinalIgnoreCase) && word.Length >= 2)
            {
                distance = Math.Min(distance, 1);
            }
            if (distance <= limit && distance < bestDistance)
            {
                (best, bestDistance) = (candidate, distance);
            }
        }
        return best;
    }

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and swaps of neighbours.</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }
        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }
        return d[a.Length, b.Length];
    }
}
