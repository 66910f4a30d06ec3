using PinSync.Analyzers.Guards;

namespace PinSync.Tests.Analyzers;

/// <summary>PINSYNC013: condition-variable waits belong in a loop that re-checks the condition (on the Roslyn SDK test
/// framework: each expected diagnostic is checked on its exact span).</summary>
public sealed class CondVarWaitAnalyzerTests
{
    [Fact]
    public Task WaitOutsideLoop_Reports() => Verify.AnalyzerAsync<CondVarWaitAnalyzer>("""
        public static class C
        {
            public static void M(PinnedMutex<bool> m, CondVar cv)
            {
                using var g = m.Lock();
                if (!g.Value)
                {
                    {|PINSYNC013:cv.Wait(g)|};
                }
            }

            public static async Task A(PinnedMutex<bool> m, CondVar cv, CancellationToken ct)
            {
                using var g = await m.LockAsync(ct);
                await {|PINSYNC013:cv.WaitAsync(g, ct)|};
            }

            public static void InLambdaInsideLoop(PinnedMutex<bool> m, CondVar cv)
            {
                using var g = m.Lock();
                while (!g.Value)
                {
                    Action a = () => {|PINSYNC013:cv.Wait(g)|};
                    a();
                }
            }
        }
        """);

    [Fact]
    public Task WaitInsideLoop_DoesNotReport() => Verify.AnalyzerAsync<CondVarWaitAnalyzer>("""
        public static class C
        {
            public static void While(PinnedMutex<bool> m, CondVar cv)
            {
                using (var g = m.Lock())
                {
                    while (!g.Value)
                    {
                        cv.Wait(g);
                    }
                }
            }

            public static async Task WhileAsync(PinnedMutex<bool> m, CondVar cv, CancellationToken ct)
            {
                using (var g = await m.LockAsync(ct))
                {
                    while (!g.Value)
                    {
                        await cv.WaitAsync(g, ct);
                    }
                }
            }

            public static void DoAndFor(PinnedMutex<bool> m, CondVar cv)
            {
                using var g = m.Lock();
                do
                {
                    cv.Wait(g, TimeSpan.FromMilliseconds(10));
                }
                while (!g.Value);

                for (var tries = 0; !g.Value && tries < 3; tries++)
                {
                    if (!cv.Wait(g, TimeSpan.FromSeconds(1)))
                    {
                        break;
                    }
                }
            }

            public static void Notify(CondVar cv)
            {
                cv.NotifyOne();
                cv.NotifyAll();
            }
        }
        """);
}
