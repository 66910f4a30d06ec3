namespace PinSync.Runtime.Internal;

/// <summary>Every exception message of the runtime, in one place.</summary>
internal static class SR
{
    internal const string SendNotSupported =
        "SynchronizationContext.Send to a grain activation is only supported from the activation's own turn.";
    internal const string NotInTurn =
        "This member must be called from a turn of the grain's own activation (inside a grain method, timer or lifecycle method).";
    internal const string NotActivated = "The grain is not attached to an activation yet (the constructor runs before activation).";
    internal const string CallConsumed =
        "The result of this grain call was already consumed: a ValueTask returned by a grain reference may be awaited " +
        "only once (its request object is pooled and serves later calls). Use ValueTask.Preserve() or AsTask() to " +
        "await it more than once.";
    internal const string CallNotCompleted =
        "The grain call has not completed yet: await the ValueTask instead of reading its result directly.";
    internal const string TooManyHops = "The request was forwarded between activations too many times; the grain keeps deactivating.";

    internal static string NoGrainClass(string grainInterface) =>
        $"No non-abstract class deriving from Grain implements {grainInterface} in the loaded assemblies. Load the assembly " +
        $"of the grain class, or map it with GrainRuntimeOptions.AddGrainType<{grainInterface}, TGrain>().";

    internal static string SeveralGrainClasses(string grainInterface, string classes) =>
        $"Several grain classes implement {grainInterface} ({classes}); choose one with " +
        $"GrainRuntimeOptions.AddGrainType<{grainInterface}, TGrain>().";

    internal static string NotGrainInterface(string type) =>
        $"{type} is not a grain interface: it must be an interface that extends IGrain.";

    internal static string BadGrainMethod(string? type, string method) =>
        $"{type}.{method} cannot be a grain method: it must return ValueTask, ValueTask<T>, Task or Task<T>, take no " +
        "ref/out parameters, and have no generic parameters.";

    internal static string QueueFull(string activation, int limit, string method) =>
        $"The activation {activation} already has {limit} requests queued or running " +
        $"(GrainRuntimeOptions.MaxPendingRequestsPerActivation); the request {method} was rejected.";

    internal static string RequestTimedOut(string method, object? target, TimeSpan timeout) =>
        $"The request {method} to {target} did not complete within {timeout} (GrainRuntimeOptions.RequestTimeout).";
}
