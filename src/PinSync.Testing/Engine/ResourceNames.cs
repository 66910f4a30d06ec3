using System.Globalization;

namespace PinSync.Testing.Engine;

/// <summary>
/// Stable, readable names for primitive addresses in one schedule (<c>mutex#1</c>, <c>semaphore#2</c>): numbered per
/// kind in order of first appearance, so the same schedule always gets the same names.
/// </summary>
/// <remarks>
/// Implementation notes. The seam passes an address and an operation name, not a type, so the kind is inferred from
/// every operation name seen on the address: a name with "Lock" means a mutex, "Notify" a condition variable,
/// "WaitUntil"/"WakeOne"/"WakeAll" a wait queue, "Release" a semaphore; anything else is an <c>obj</c>. Names are
/// built when a schedule is formatted, never on the hot path.
/// </remarks>
internal sealed class ResourceNames
{
    private readonly Dictionary<nint, string> _names = [];

    internal ResourceNames(IReadOnlyList<LogEntry> entries, IEnumerable<(nint Resource, string? Operation)> extra)
    {
        var order = new List<nint>();
        var kinds = new Dictionary<nint, int>();
        foreach (var entry in entries)
        {
            Observe(entry.Resource, entry.Text, order, kinds);
        }

        foreach (var (resource, operation) in extra)
        {
            Observe(resource, operation, order, kinds);
        }

        var counters = new int[s_kindNames.Length];
        foreach (var resource in order)
        {
            var kind = kinds[resource];
            _names[resource] = s_kindNames[kind] + "#" + (++counters[kind]).ToString(CultureInfo.InvariantCulture);
        }
    }

    private static readonly string[] s_kindNames = ["obj", "semaphore", "waitqueue", "condvar", "mutex"];

    /// <summary>The name of <paramref name="resource"/>.</summary>
    internal string this[nint resource] => resource == 0 ? "-" :
        _names.TryGetValue(resource, out var name) ? name : "obj@" + resource.ToString("x", CultureInfo.InvariantCulture);

    private static void Observe(nint resource, string? operation, List<nint> order, Dictionary<nint, int> kinds)
    {
        if (resource == 0)
        {
            return;
        }

        if (!kinds.TryGetValue(resource, out var kind))
        {
            order.Add(resource);
        }

        kinds[resource] = Math.Max(kind, Classify(operation));
    }

    // Larger wins: a mutex address also sees "wake"/"handoff"; a condition variable also sees "Wait".
    private static int Classify(string? operation)
    {
        if (operation is null)
        {
            return 0;
        }

        if (operation.Contains("Lock", StringComparison.Ordinal))
        {
            return 4;
        }

        if (operation.Contains("Notify", StringComparison.Ordinal))
        {
            return 3;
        }

        if (operation.Contains("WaitUntil", StringComparison.Ordinal) || operation.StartsWith("WakeOne", StringComparison.Ordinal)
            || operation.StartsWith("WakeAll", StringComparison.Ordinal))
        {
            return 2;
        }

        return operation.Contains("Release", StringComparison.Ordinal) ? 1 : 0;
    }
}
