using System.Runtime.CompilerServices;
using PinSync.Internal;
using PinSync.Scheduling;

namespace PinSync;

/// <summary>Validation and conversion of the timeouts every timed wait accepts.</summary>
internal static class Timeouts
{
    /// <summary>Validates <paramref name="timeout"/> (-1 ms = infinite, else 0..int.MaxValue ms) and returns it in ms.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static long ToMilliseconds(TimeSpan timeout, [CallerArgumentExpression(nameof(timeout))] string paramName = "")
    {
        var ms = (long)timeout.TotalMilliseconds;
        if (ms < -1 || ms > int.MaxValue || (ms == -1 && timeout != Timeout.InfiniteTimeSpan))
        {
            ThrowHelper.ThrowArgumentOutOfRangeException_Timeout(paramName);
        }

        return ms;
    }

    /// <summary>Validates a timeout in milliseconds (-1 = infinite).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static long ToMilliseconds(int millisecondsTimeout, [CallerArgumentExpression(nameof(millisecondsTimeout))] string paramName = "")
    {
        if (millisecondsTimeout < -1)
        {
            ThrowHelper.ThrowArgumentOutOfRangeException_Timeout(paramName);
        }

        return millisecondsTimeout;
    }

    /// <summary>Validates a timeout in milliseconds (-1 = infinite) and returns it as the equivalent
    /// <see cref="TimeSpan"/> (<see cref="Timeout.InfiniteTimeSpan"/> for -1), for the int overloads that forward to the
    /// <see cref="TimeSpan"/> ones.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TimeSpan ToTimeSpan(int millisecondsTimeout, [CallerArgumentExpression(nameof(millisecondsTimeout))] string paramName = "")
    {
        if (millisecondsTimeout < -1)
        {
            ThrowHelper.ThrowArgumentOutOfRangeException_Timeout(paramName);
        }

        return millisecondsTimeout == Timeout.Infinite ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(millisecondsTimeout);
    }

    /// <summary>The absolute deadline in seam ticks for a validated timeout (<see cref="long.MaxValue"/> = none).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static long Deadline(long milliseconds) => Seam.DeadlineFromMilliseconds(milliseconds);
}
