using System.Runtime.CompilerServices;

namespace PinSync.Pinning;

public static unsafe partial class PinDrop
{
    /// <summary>Per-type drop facts: whether <typeparamref name="T"/> needs a drop, and the thunk that does it.</summary>
    private static class DropCache<T>
        where T : unmanaged
    {
        /// <summary>A per-type constant the tiered JIT folds: <see langword="true"/> when T implements IPinnedDrop.</summary>
        internal static readonly bool IsRequired = typeof(T).IsAssignableTo(typeof(IPinnedDrop));

        /// <summary>
        /// <see langword="null"/> until resolved, then <c>&amp;DropPinnedThunk&lt;T&gt;</c>. Written once (racing
        /// writers store the same value), read without a lock.
        /// </summary>
        private static delegate*<T*, void> s_thunk;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        internal static void Invoke(T* value)
        {
            delegate*<T*, void> thunk = s_thunk;
            if (thunk == null)
            {
                thunk = Resolve();
            }

            // SAFETY: thunk drops a T in place; the caller guarantees value is initialized and not yet dropped.
            thunk(value);
        }

        internal static void Set(delegate*<T*, void> thunk) => s_thunk = thunk;

        [MethodImpl(MethodImplOptions.NoInlining)]
        private static delegate*<T*, void> Resolve()
        {
            delegate*<T*, void> thunk = ResolveThunk<T>();
            s_thunk = thunk;
            return thunk;
        }
    }
}
