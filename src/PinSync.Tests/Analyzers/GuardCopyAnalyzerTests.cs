using PinSync.Analyzers.Guards;

namespace PinSync.Tests.Analyzers;

/// <summary>PINSYNC014: a MutexGuard copied while both copies are still used (on the Roslyn SDK test framework).</summary>
public sealed class GuardCopyAnalyzerTests
{
    [Fact]
    public Task CopyThenBothDisposed_Reports() => Verify.AnalyzerAsync<GuardCopyAnalyzer>("""
        public static class C
        {
            public static void M(PinnedMutex<int> m)
            {
                var g = m.Lock();
                var {|PINSYNC014:copy = g|};
                copy.Dispose();
                g.Dispose();
            }
        }
        """);

    [Fact]
    public Task CopyOfUsingVariable_Reports() => Verify.AnalyzerAsync<GuardCopyAnalyzer>("""
        public static class C
        {
            public static async Task M(PinnedMutex<int> m)
            {
                using var g = await m.LockAsync();
                var {|PINSYNC014:copy = g|};
                copy.Value++;
            }
        }
        """);

    [Fact]
    public Task AssignmentCopyThenOriginalRead_Reports() => Verify.AnalyzerAsync<GuardCopyAnalyzer>("""
        public static class C
        {
            public static void M(PinnedMutex<int> m, MutexGuard<int> g)
            {
                MutexGuard<int> other = default;
                {|PINSYNC014:other = g|};
                other.Dispose();
                g.Value++;
            }
        }
        """);

    [Fact]
    public Task Move_NoDiagnostic() => Verify.AnalyzerAsync<GuardCopyAnalyzer>("""
        public static class C
        {
            public static void M(PinnedMutex<int> m)
            {
                var g = m.Lock();
                using var owner = g;                   // a move: 'g' is not used again
                owner.Value++;
            }
        }
        """);

    [Fact]
    public Task CopyNeverUsed_NoDiagnostic() => Verify.AnalyzerAsync<GuardCopyAnalyzer>("""
        public static class C
        {
            public static void M(PinnedMutex<int> m)
            {
                using var g = m.Lock();
                var unused = g;
                g.Value++;
            }
        }
        """);

    [Fact]
    public Task OriginalOverwrittenAfterCopy_NoDiagnostic() => Verify.AnalyzerAsync<GuardCopyAnalyzer>("""
        public static class C
        {
            public static void M(PinnedMutex<int> a, PinnedMutex<int> b)
            {
                var g = a.Lock();
                var first = g;
                g = b.Lock();                          // a new acquisition: the old one has one owner, 'first'
                first.Dispose();
                g.Dispose();
            }
        }
        """);

    [Fact]
    public Task PassedByIn_NoDiagnostic() => Verify.AnalyzerAsync<GuardCopyAnalyzer>("""
        public static class C
        {
            private static void Touch(in MutexGuard<int> g) => g.Value++;

            public static void M(PinnedMutex<int> m, CondVar cv)
            {
                using var g = m.Lock();
                ref readonly var alias = ref g;        // a ref, not a copy
                Touch(in alias);
                while (g.Value < 0)
                {
                    cv.Wait(g);
                }
            }
        }
        """);
}
