using PinSync.Analyzers.Guards;
using PinSync.CodeFixes;

namespace PinSync.Tests.Analyzers;

/// <summary>
/// The code fixes of PINSYNC010 (add <c>using</c>), PINSYNC012 (<c>await LockAsync()</c>) and PINSYNC013 (<c>if</c> →
/// <c>while</c>): each fixed source compiles and draws no diagnostic; cases that are not mechanical get no fix.
/// </summary>
public sealed class CodeFixTests
{
    [Fact]
    public Task AddUsing_NeverDisposedLocal_BecomesUsingVariable() => Verify.CodeFixAsync<MutexGuardAnalyzer, AddUsingCodeFix>("""
        public static class C
        {
            public static void M(PinnedMutex<int> m)
            {
                var {|PINSYNC010:g|} = m.Lock();
                g.Value++;
            }
        }
        """, """
        public static class C
        {
            public static void M(PinnedMutex<int> m)
            {
                using var g = m.Lock();
                g.Value++;
            }
        }
        """);

    [Fact]
    public Task AddUsing_SkippedOnSomePath_KeepsTheDisposeAndAddsUsing() => Verify.CodeFixAsync<MutexGuardAnalyzer, AddUsingCodeFix>("""
        public static class C
        {
            public static int M(PinnedMutex<int> m, bool stop)
            {
                var {|PINSYNC010:g|} = m.Lock();
                if (stop)
                {
                    return 0;
                }

                g.Dispose();
                return 1;
            }
        }
        """, """
        public static class C
        {
            public static int M(PinnedMutex<int> m, bool stop)
            {
                using var g = m.Lock();
                if (stop)
                {
                    return 0;
                }

                g.Dispose();
                return 1;
            }
        }
        """);

    [Fact]
    public Task AddUsing_DiscardedAcquisitions_BecomeNamedUsingVariables() => Verify.CodeFixAsync<MutexGuardAnalyzer, AddUsingCodeFix>("""
        public static class C
        {
            public static void M(PinnedMutex<int> m, PinnedMutex<int> n)
            {
                {|PINSYNC010:m.Lock()|};
                _ = {|PINSYNC010:n.Lock()|};
            }

            public static async Task N(PinnedMutex<int> m)
            {
                _ = {|PINSYNC010:await m.LockAsync()|};
                await Task.Yield();
            }
        }
        """, """
        public static class C
        {
            public static void M(PinnedMutex<int> m, PinnedMutex<int> n)
            {
                using var mGuard = m.Lock();
                using var nGuard = n.Lock();
            }

            public static async Task N(PinnedMutex<int> m)
            {
                using var mGuard = await m.LockAsync();
                await Task.Yield();
            }
        }
        """);

    [Fact]
    public Task AddUsing_TemporaryOrTryLock_NoFix() => Verify.NoCodeFixAsync<MutexGuardAnalyzer, AddUsingCodeFix>("""
        public static class C
        {
            public static void M(PinnedMutex<int> m)
            {
                {|PINSYNC010:m.Lock()|}.Value++;
                if (m.TryLock(out {|PINSYNC010:var g|}))
                {
                    g.Value++;
                }
            }
        }
        """);

    [Fact]
    public Task UseLockAsync_BlockingGuardAcrossAwait_BecomesAwaitLockAsync() => Verify.CodeFixAsync<MutexGuardAnalyzer, UseLockAsyncCodeFix>("""
        public static class C
        {
            public static async Task M(PinnedMutex<int> m, CancellationToken ct)
            {
                using var {|PINSYNC012:g = m.Lock(ct)|};
                {|PINSYNC012:await Task.Yield()|};
                g.Value++;
            }
        }
        """, """
        public static class C
        {
            public static async Task M(PinnedMutex<int> m, CancellationToken ct)
            {
                using var g = await m.LockAsync(ct);
                await Task.Yield();
                g.Value++;
            }
        }
        """, nonLocal: true);

    [Fact]
    public Task UseLockAsync_UsingStatement_BecomesAwaitLockAsync() => Verify.CodeFixAsync<MutexGuardAnalyzer, UseLockAsyncCodeFix>("""
        public static class C
        {
            public static async Task M(PinnedMutex<int> m)
            {
                using (var {|PINSYNC012:g = m.Lock()|})
                {
                    {|PINSYNC012:await Task.Delay(1)|};
                    g.Value++;
                }
            }
        }
        """, """
        public static class C
        {
            public static async Task M(PinnedMutex<int> m)
            {
                using (var g = await m.LockAsync())
                {
                    await Task.Delay(1);
                    g.Value++;
                }
            }
        }
        """, nonLocal: true);

    [Fact]
    public Task WaitInLoop_IfAroundWait_BecomesWhile() => Verify.CodeFixAsync<CondVarWaitAnalyzer, WaitInLoopCodeFix>("""
        public static class C
        {
            public static async Task M(PinnedMutex<bool> m, CondVar cv)
            {
                using (var g = m.Lock())
                {
                    if (!g.Value)
                    {
                        {|PINSYNC013:cv.Wait(g)|};
                    }
                }

                using (var g = await m.LockAsync())
                {
                    if (!g.Value) await {|PINSYNC013:cv.WaitAsync(g)|};
                }
            }
        }
        """, """
        public static class C
        {
            public static async Task M(PinnedMutex<bool> m, CondVar cv)
            {
                using (var g = m.Lock())
                {
                    while (!g.Value)
                    {
                        cv.Wait(g);
                    }
                }

                using (var g = await m.LockAsync())
                {
                    while (!g.Value) await cv.WaitAsync(g);
                }
            }
        }
        """);

    [Fact]
    public Task WaitInLoop_BodyDoesMoreOrElseOrTimedCondition_NoFix() => Verify.NoCodeFixAsync<CondVarWaitAnalyzer, WaitInLoopCodeFix>("""
        public static class C
        {
            public static void M(PinnedMutex<int> m, CondVar cv)
            {
                using var g = m.Lock();
                if (g.Value == 0)
                {
                    g.Value = -1;
                    {|PINSYNC013:cv.Wait(g)|};
                }

                if (g.Value == 0) {|PINSYNC013:cv.Wait(g)|}; else g.Value = 1;
                if (!{|PINSYNC013:cv.Wait(g, TimeSpan.FromSeconds(1))|}) g.Value = 2;
            }
        }
        """);
}
