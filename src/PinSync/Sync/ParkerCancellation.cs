using PinSync.Scheduling;

namespace PinSync;

/// <summary>
/// Wakes a parked blocking waiter when its token is canceled. The callback only unparks: it never touches the
/// waiter's stack node, so a late callback is harmless (a spurious permit; park loops re-check their state).
/// </summary>
internal static class ParkerCancellation
{
    private static readonly Action<object?> s_unparkThread = static state => ((Parker)state!).Unpark();
    private static readonly Action<object?> s_unparkControlled = static state => Seam.Unpark((int)state!);

    /// <summary>Registers the unpark of <paramref name="parker"/> on <paramref name="token"/>.</summary>
    /// <remarks>A thread's parker is passed as the callback state, so nothing is allocated per wait (the token's
    /// source reuses its callback nodes); a controlled operation's id is boxed (tests only).</remarks>
    internal static CancellationTokenRegistration Register(int parker, CancellationToken token) =>
        parker > 0 && Parker.FromId(parker) is { } thread
            ? token.UnsafeRegister(s_unparkThread, thread)
            : token.UnsafeRegister(s_unparkControlled, parker);
}
