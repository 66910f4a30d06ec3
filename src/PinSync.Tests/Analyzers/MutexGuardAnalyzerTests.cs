namespace PinSync.Tests.Analyzers;

/// <summary>PINSYNC010–012: guard disposal, guards in fields, blocking guards across await.</summary>
public sealed class MutexGuardAnalyzerTests
{
    [Fact]
    public Task GuardNeverDisposed_Reports() => AnalyzerHarness.VerifyAsync("""
        public static class C
        {
            public static void M(PinnedMutex<int> m)
            {
                var g = m.Lock();                      // !PINSYNC010
                g.Value++;
            }
        }
        """);

    [Fact]
    public Task GuardDiscardedOrTemporary_Reports() => AnalyzerHarness.VerifyAsync("""
        public static class C
        {
            public static async Task M(PinnedMutex<int> m)
            {
                m.Lock();                              // !PINSYNC010
                _ = await m.LockAsync();               // !PINSYNC010
                m.Lock().Value++;                      // !PINSYNC010
                await m.LockAsync();                   // !PINSYNC010
            }
        }
        """);

    [Fact]
    public Task GuardSkippedOnSomePath_Reports() => AnalyzerHarness.VerifyAsync("""
        public static class C
        {
            public static int EarlyReturn(PinnedMutex<int> m, bool stop)
            {
                var g = m.Lock();                      // !PINSYNC010
                if (stop)
                {
                    return 0;
                }

                g.Dispose();
                return 1;
            }

            public static void OnlyInBranch(PinnedMutex<int> m, bool flag)
            {
                var g = m.Lock();                      // !PINSYNC010
                if (flag)
                {
                    g.Dispose();
                }
            }

            public static void Throws(PinnedMutex<int> m)
            {
                var g = m.Lock();                      // !PINSYNC010
                if (g.Value < 0)
                {
                    throw new InvalidOperationException();
                }

                g.Dispose();
            }

            public static void TryLockNeverDisposed(PinnedMutex<int> m)
            {
                if (m.TryLock(out var g))              // !PINSYNC010
                {
                    g.Value++;
                }
            }
        }
        """);

    [Fact]
    public Task GuardDisposedProperly_DoesNotReport() => AnalyzerHarness.VerifyAsync("""
        public static class C
        {
            public static void UsingDeclaration(PinnedMutex<int> m)
            {
                using var g = m.Lock();
                g.Value++;
            }

            public static void UsingStatement(PinnedMutex<int> m)
            {
                using (var g = m.Lock())
                {
                    g.Value++;
                }
            }

            public static void Finally(PinnedMutex<int> m)
            {
                var g = m.Lock();
                try
                {
                    g.Value++;
                }
                finally
                {
                    g.Dispose();
                }
            }

            public static void StraightLine(PinnedMutex<int> m)
            {
                var g = m.Lock();
                g.Value++;
                g.Dispose();
            }

            public static int DisposedBeforeEarlyReturn(PinnedMutex<int> m, bool stop)
            {
                var g = m.Lock();
                if (stop)
                {
                    g.Dispose();
                    return 0;
                }

                for (var i = 0; i < 3; i++)
                {
                    if (i == 1)
                    {
                        break;
                    }
                }

                g.Dispose();
                return 1;
            }

            public static void TryLock(PinnedMutex<int> m)
            {
                if (m.TryLock(out var g1))
                {
                    using (g1)
                    {
                        g1.Value++;
                    }
                }
            }

            public static async Task TimedAsync(PinnedMutex<int> m, CancellationToken ct)
            {
                using var g2 = await m.TryLockAsync(TimeSpan.FromMilliseconds(50), ct);
                if (g2.Acquired)
                {
                    g2.Value++;
                }
            }

            public static MutexGuard<int> Handed(PinnedMutex<int> m)
            {
                var g = m.Lock();
                return g;
            }

            public static void Passed(PinnedMutex<int> m, List<MutexGuard<int>> sink)
            {
                var g = m.Lock();
                sink.Add(g);
            }

            public static MutexGuard<int> Direct(PinnedMutex<int> m) => m.Lock();

            public static async Task<int> LocalFunctionInScope(PinnedMutex<int> m)
            {
                var g = m.Lock();
                async Task<int> Later()
                {
                    using var inner = await m.LockAsync();
                    return inner.Value;
                }

                g.Value++;
                g.Dispose();
                return await Later();
            }

            public static async Task ThrowProbes(PinnedMutex<int> m)
            {
                Assert(() => m.Lock());
                await AssertAsync(async () => await m.LockAsync());
            }

            private static void Assert(Action probe) => probe();

            private static Task AssertAsync(Func<Task> probe) => probe();

            public static int Block(PinnedMutex<int> m)
            {
                using (m.Lock())
                {
                    return 1;
                }
            }
        }
        """);

    [Fact]
    public Task GuardInField_Reports() => AnalyzerHarness.VerifyAsync("""
        public sealed class Holder
        {
            private MutexGuard<int> _guard;                   // !PINSYNC011
            public MutexGuard<string> Guard { get; set; }     // !PINSYNC011
            public void Release() => _guard.Dispose();
        }

        public struct Wrapper
        {
            public MutexGuard<int> Inner;                     // !PINSYNC011
        }
        """);

    [Fact]
    public Task BlockingGuardAcrossAwait_Reports() => AnalyzerHarness.VerifyAsync("""
        public static class C
        {
            public static async Task UsingDeclaration(PinnedMutex<int> m)
            {
                using var g = m.Lock();                // !PINSYNC012
                g.Value++;
                await Task.Delay(1);                   // !PINSYNC012
            }

            public static async Task UsingStatement(PinnedMutex<int> m)
            {
                using (var g = m.Lock())               // !PINSYNC012
                {
                    await Task.Yield();                // !PINSYNC012
                    g.Value++;
                }
            }

            public static async Task TryFinally(PinnedMutex<int> m)
            {
                var g = m.Lock();                      // !PINSYNC012
                try
                {
                    await Task.Yield();                // !PINSYNC012
                }
                finally
                {
                    g.Dispose();
                }
            }
        }
        """);

    [Fact]
    public Task AsyncGuardAcrossAwait_DoesNotReport() => AnalyzerHarness.VerifyAsync("""
        public static class C
        {
            public static async Task Async(PinnedMutex<int> m, CancellationToken ct)
            {
                using var g = await m.LockAsync(ct);
                g.Value++;
                await Task.Delay(1, ct);
            }

            public static async Task ScopeEndsBeforeAwait(PinnedMutex<int> m)
            {
                using (var g = m.Lock())
                {
                    g.Value++;
                }

                await Task.Yield();
            }

            public static async Task DisposedBeforeAwait(PinnedMutex<int> m)
            {
                var g = m.Lock();
                g.Value++;
                g.Dispose();
                await Task.Yield();
            }

            public static async Task AwaitInLambdaOnly(PinnedMutex<int> m)
            {
                using var g = m.Lock();
                Func<Task> later = async () => await Task.Yield();
                g.Value++;
                _ = later;
            }
        }
        """);
}
