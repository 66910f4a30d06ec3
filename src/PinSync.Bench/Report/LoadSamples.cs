using System.Globalization;

namespace PinSync.Bench.Report;

/// <summary>The load-average log the suite writes beside its results (<c>pinsync-load.csv</c>).</summary>
internal sealed class LoadSamples
{
    private readonly List<(DateTimeOffset Time, string Type, double Load, double? Foreign)> _samples = [];
    private readonly List<(DateTimeOffset Time, double Load)> _runStarts = [];

    internal int Count => _samples.Count;
    internal double Min => _samples.Count == 0 ? 0 : _samples.Min(s => s.Load);
    internal double Max => _samples.Count == 0 ? 0 : _samples.Max(s => s.Load);
    internal double Mean => _samples.Count == 0 ? 0 : _samples.Average(s => s.Load);
    internal DateTimeOffset First => _samples.Min(s => s.Time);
    internal DateTimeOffset Last => _samples.Max(s => s.Time);

    internal static LoadSamples Read(string path)
    {
        var result = new LoadSamples();
        if (!File.Exists(path))
        {
            return result;
        }

        foreach (var line in File.ReadLines(path))
        {
            var parts = line.Split(',');
            if (parts.Length >= 4
                && DateTimeOffset.TryParse(parts[0], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
                && double.TryParse(parts[3], NumberStyles.Float, CultureInfo.InvariantCulture, out var load))
            {
                if (parts[1] == "run-start")
                {
                    result._runStarts.Add((time, load));
                    continue;
                }

                double? foreign = parts.Length >= 5 && double.TryParse(parts[4], NumberStyles.Float, CultureInfo.InvariantCulture, out var f)
                    ? f
                    : null;
                result._samples.Add((time, parts[2], load, foreign));
            }
        }

        return result;
    }

    /// <summary>Keeps, per benchmark class, only the samples of the run whose results are reported: those up to
    /// the class's results file, going back while consecutive samples are less than 5 minutes apart.</summary>
    internal LoadSamples OfLatestRuns(List<CaseResult> cases)
    {
        var kept = new LoadSamples();
        kept._runStarts.AddRange(_runStarts);
        foreach (var group in _samples.GroupBy(s => s.Type))
        {
            var written = cases.Where(c => c.Type == group.Key).Select(c => c.FileTimeUtc).DefaultIfEmpty().Max();
            if (written == default)
            {
                continue;
            }

            var until = new DateTimeOffset(written, TimeSpan.Zero).AddMinutes(1);
            var ordered = group.Where(s => s.Time <= until).OrderByDescending(s => s.Time).ToList();
            for (var i = 0; i < ordered.Count; i++)
            {
                if (i > 0 && ordered[i - 1].Time - ordered[i].Time > TimeSpan.FromMinutes(5))
                {
                    break;
                }

                kept._samples.Add(ordered[i]);
            }
        }

        return kept;
    }

    /// <summary>The mean and max share of CPU time other processes used while cases ran (null: not recorded).</summary>
    internal (double Mean, double Max)? Foreign()
    {
        var f = _samples.Where(s => s.Foreign is not null).Select(s => s.Foreign!.Value).ToList();
        return f.Count == 0 ? null : (f.Average(), f.Max());
    }

    /// <summary>The same for the cases of <paramref name="type"/>.</summary>
    internal (double Mean, double Max)? ForeignForType(string type)
    {
        var f = _samples.Where(s => s.Type == type && s.Foreign is not null).Select(s => s.Foreign!.Value).ToList();
        return f.Count == 0 ? null : (f.Average(), f.Max());
    }

    /// <summary>The 1-minute load average when the reported run started (before any case ran), if recorded.</summary>
    internal double? RunStartLoad => _samples.Count == 0 ? null
        : _runStarts.Where(r => r.Time <= First).OrderByDescending(r => r.Time).Select(r => (double?)r.Load).FirstOrDefault();

    /// <summary>Min and max load while cases of <paramref name="type"/> ran.</summary>
    internal (double Min, double Max)? ForType(string type)
    {
        var of = _samples.Where(s => s.Type == type).ToList();
        return of.Count == 0 ? null : (of.Min(s => s.Load), of.Max(s => s.Load));
    }
}
