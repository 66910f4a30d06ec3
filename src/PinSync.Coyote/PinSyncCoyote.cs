using Microsoft.Coyote;
using Microsoft.Coyote.SystematicTesting;
using PinSync.Scheduling;

namespace PinSync.Coyote;

/// <summary>
/// Runs PinSync code under Microsoft Coyote: installs PinSync's scheduling seam on Coyote's controlled runtime, so that
/// Coyote's strategies interleave, deadlock-check and replay the waits inside <see cref="PinnedMutex{T}"/>,
/// <see cref="CondVar"/>, <see cref="WaitQueue"/> and <see cref="PinnedSemaphore"/> (sync and async, with timeouts on
/// a virtual clock) with PinSync.dll as shipped.
/// </summary>
/// <remarks>
/// <para>
/// The assembly that holds the test bodies must be rewritten with <c>coyote rewrite</c> (PinSync.dll and this
/// assembly must not be). The process needs PinSync's runtime option <c>PinSync.Scheduling.EnableControl</c>, which
/// the package's build props file writes into the test project's runtimeconfig.json.
/// </para>
/// <para>
/// Two ways in: <see cref="Test(Func{Task}, Configuration)"/> runs Coyote's <see cref="TestingEngine"/> in-process (for
/// xunit and other unit-test runners), and <see cref="Run(Func{Task})"/> wraps the body of a Coyote <c>[Test]</c> method
/// for the <c>coyote test</c> command. Use <see cref="StrictConfiguration"/> for the recommended settings.
/// </para>
/// <para>Thread safety: one Coyote test at a time per process (Coyote's own rule); the members may be called from any
/// thread.</para>
/// </remarks>
public static class PinSyncCoyote
{
    private const string EnableControlSwitch = "PinSync.Scheduling.EnableControl";

    private static readonly Lock s_installLock = new();
    private static CoyoteController? s_controller;

    /// <summary>Whether the adapter is installed as the process's scheduling controller.</summary>
    public static bool IsInstalled => Volatile.Read(ref s_controller) is not null;

    /// <summary>
    /// A configuration in strict mode: partially controlled concurrency not allowed and no fallback to fuzzing, so that
    /// anything Coyote does not control is a reported bug rather than a silent loss of coverage; telemetry off.
    /// </summary>
    /// <param name="iterations">The number of test iterations.</param>
    /// <returns>A configuration with Coyote's default (random) strategy; chain <c>WithPrioritizationStrategy</c> and the
    /// like to change it.</returns>
    public static Configuration StrictConfiguration(uint iterations = 1_000) =>
        Configuration.Create()
            .WithTestingIterations(iterations)
            .WithPartiallyControlledConcurrencyAllowed(false)
            .WithSystematicFuzzingFallbackEnabled(false)
            .WithTelemetryEnabled(false);

    /// <summary>
    /// Installs the adapter as the scheduling controller of every thread of the process (idempotent). Called by
    /// <see cref="Test(Func{Task}, Configuration)"/> and <see cref="Run(Func{Task})"/>; call it yourself only to fail
    /// early.
    /// </summary>
    /// <exception cref="InvalidOperationException">PinSync's scheduling seam is not enabled in this process, or another
    /// controller (the explorer) is active.</exception>
    public static void Install()
    {
        if (Volatile.Read(ref s_controller) is not null)
        {
            return;
        }

        lock (s_installLock)
        {
            if (s_controller is not null)
            {
                return;
            }

            // A host whose runtimeconfig.json is not the test project's (the `coyote test` command loads the test
            // assembly into its own process) lacks the option: set it here, which works as long as no PinSync wait has
            // run in the process yet (PinSync reads the option once, the first time its seam is touched).
            if (!AppContext.TryGetSwitch(EnableControlSwitch, out var enabled) || !enabled)
            {
                AppContext.SetSwitch(EnableControlSwitch, true);
            }

            if (!SchedulingController.IsControlEnabled)
            {
                throw new InvalidOperationException(
                    "PinSync's scheduling seam is closed in this process (PinSync had read its option before the adapter "
                    + "was installed), so Coyote cannot see inside PinSync's primitives. "
                    + "Reference the PinSync.Coyote package from the test project (its build props file sets the runtime "
                    + "option 'PinSync.Scheduling.EnableControl' in the project's runtimeconfig.json), or add "
                    + "<RuntimeHostConfigurationOption Include=\"PinSync.Scheduling.EnableControl\" Value=\"true\" /> to it.");
            }

            var controller = new CoyoteController();
            SchedulingController.ActivateForEveryThread(controller);
            Volatile.Write(ref s_controller, controller);
        }
    }

    /// <summary>
    /// Removes the adapter (so that the explorer or production waits can run in this process again). Call it only
    /// while no Coyote test runs.
    /// </summary>
    public static void Uninstall()
    {
        lock (s_installLock)
        {
            if (s_controller is { } controller)
            {
                SchedulingController.Deactivate(controller);
                Volatile.Write(ref s_controller, null);
            }
        }
    }

    /// <summary>Runs <paramref name="test"/> under Coyote's testing engine with the adapter installed.</summary>
    /// <param name="test">The test body (in a rewritten assembly); fails by throwing or by a Coyote assertion.</param>
    /// <param name="configuration">Coyote's configuration, for example <see cref="StrictConfiguration"/>.</param>
    /// <returns>The run's report, with the reproducible trace of the first bug found.</returns>
    /// <exception cref="InvalidOperationException">See <see cref="Install"/>.</exception>
    public static PinSyncCoyoteReport Test(Func<Task> test, Configuration configuration)
    {
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(configuration);
        Install();
        return RunEngine(TestingEngine.Create(configuration, test));
    }

    /// <summary>Runs the synchronous <paramref name="test"/> under Coyote's testing engine with the adapter installed.</summary>
    /// <param name="test">The test body (in a rewritten assembly); fails by throwing or by a Coyote assertion.</param>
    /// <param name="configuration">Coyote's configuration, for example <see cref="StrictConfiguration"/>.</param>
    /// <returns>The run's report, with the reproducible trace of the first bug found.</returns>
    /// <exception cref="InvalidOperationException">See <see cref="Install"/>.</exception>
    public static PinSyncCoyoteReport Test(Action test, Configuration configuration)
    {
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(configuration);
        Install();
        return RunEngine(TestingEngine.Create(configuration, test));
    }

    /// <summary>
    /// Runs one iteration of <paramref name="test"/> with the adapter installed and its per-iteration state reset: the
    /// body of a Coyote <c>[Test]</c> method for the <c>coyote test</c> command
    /// (<c>[Test] public static Task Check() =&gt; PinSyncCoyote.Run(async () =&gt; { ... });</c>).
    /// </summary>
    /// <param name="test">The test body.</param>
    /// <returns>The body's task (this method itself awaits nothing, so that no uncontrolled continuation exists).</returns>
    /// <exception cref="InvalidOperationException">See <see cref="Install"/>.</exception>
    public static Task Run(Func<Task> test)
    {
        ArgumentNullException.ThrowIfNull(test);
        Install();
        s_controller!.BeginIteration();
        return test();
    }

    /// <summary>Runs one iteration of the synchronous <paramref name="test"/>: see <see cref="Run(Func{Task})"/>.</summary>
    /// <param name="test">The test body.</param>
    /// <exception cref="InvalidOperationException">See <see cref="Install"/>.</exception>
    public static void Run(Action test)
    {
        ArgumentNullException.ThrowIfNull(test);
        Install();
        s_controller!.BeginIteration();
        test();
    }

    private static PinSyncCoyoteReport RunEngine(TestingEngine engine)
    {
        using (engine)
        {
            // The user's delegate goes to the engine as it is (Coyote checks that its assembly is rewritten; this one
            // is not), and the per-iteration reset runs before each iteration.
            var controller = s_controller!;
            engine.RegisterStartIterationCallBack(_ => controller.BeginIteration());
            engine.Run();
            return new PinSyncCoyoteReport(engine.TestReport, engine.ReproducibleTrace, engine.ReadableTrace);
        }
    }
}
