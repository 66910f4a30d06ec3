using System.Runtime.CompilerServices;

namespace PinSync.Internal;

/// <summary>
/// The calling thread's managed id, cached in a thread-static: <see cref="Environment.CurrentManagedThreadId"/> is a
/// call into the runtime on every use, a thread-static read is inlined (CoreLib's <c>Lock</c> caches its thread id
/// the same way). The value is the same, so callers may compare it with ids read from either.
/// </summary>
internal static class CurrentThread
{
    [ThreadStatic]
    private static int t_id;

    /// <summary>The calling thread's <see cref="Environment.CurrentManagedThreadId"/>.</summary>
    internal static int Id
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            var id = t_id;
            return id != 0 ? id : Initialize();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int Initialize() => t_id = Environment.CurrentManagedThreadId;
}
