namespace PinSync.Tests.Runtime.Grains;

/// <summary>Measures what runs inside one activation: threads inside a synchronous segment at once (must stay 1)
/// and requests in progress at once (awaits included; 1 for non-reentrant grains).</summary>
public sealed class TurnProbe
{
    private int _threadsInside;
    private int _requestsInside;

    private int _threadViolations;
    private int _maxRequestsInside;

    public int ThreadViolations => Volatile.Read(ref _threadViolations);
    public int MaxRequestsInside => Volatile.Read(ref _maxRequestsInside);

    public void EnterRequest()
    {
        var now = Interlocked.Increment(ref _requestsInside);
        int seen;
        while (now > (seen = Volatile.Read(ref _maxRequestsInside)) && Interlocked.CompareExchange(ref _maxRequestsInside, now, seen) != seen)
        {
        }
    }

    public void ExitRequest() => Interlocked.Decrement(ref _requestsInside);

    public void EnterSegment()
    {
        if (Interlocked.Increment(ref _threadsInside) != 1)
        {
            Interlocked.Increment(ref _threadViolations);
        }
    }

    public void ExitSegment() => Interlocked.Decrement(ref _threadsInside);
}
