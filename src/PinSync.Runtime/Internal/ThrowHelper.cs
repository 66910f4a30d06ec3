using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace PinSync.Runtime.Internal;

/// <summary>Throws for the runtime's hot paths (kept out of line so the callers stay small).</summary>
[StackTraceHidden]
internal static class ThrowHelper
{
    [DoesNotReturn]
    internal static void ThrowInvalidOperationException_CallConsumed() => throw new InvalidOperationException(SR.CallConsumed);

    [DoesNotReturn]
    internal static void ThrowInvalidOperationException_CallNotCompleted() => throw new InvalidOperationException(SR.CallNotCompleted);
}
