using PinSync.Runtime;

namespace PinSync.Tests.Runtime.Grains;

public interface ITypedGrain : IGrain
{
    ValueTask<int> Add(int a, int b);

    ValueTask Fail(string message);

    Task<string> Wait(CancellationToken cancellationToken);
}

public sealed class TypedGrain : Grain, ITypedGrain
{
    public ValueTask<int> Add(int a, int b) => new(a + b);

    public ValueTask Fail(string message) => throw new GrainTestException(message);

    public async Task<string> Wait(CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
        return "unreachable";
    }
}

/// <summary>What the grain-reference generator would emit for <see cref="ITypedGrain"/>, written by hand.</summary>
public sealed class TypedGrainReference : GrainReference, ITypedGrain
{
    private static readonly GrainMethodDescriptor s_add = new(nameof(ITypedGrain), nameof(Add), false, false, false);
    private static readonly GrainMethodDescriptor s_fail = new(nameof(ITypedGrain), nameof(Fail), false, false, false);
    private static readonly GrainMethodDescriptor s_wait = new(nameof(ITypedGrain), nameof(Wait), false, false, true);

    public ValueTask<int> Add(int a, int b) => InvokeAsync(s_add, (a, b), static (g, x, _) => ((ITypedGrain)g).Add(x.a, x.b));

    public ValueTask Fail(string message) => InvokeAsync(s_fail, message, static (g, x, _) => ((ITypedGrain)g).Fail(x));

    public Task<string> Wait(CancellationToken cancellationToken) =>
        InvokeAsync(s_wait, 0, static (g, _, t) => new ValueTask<string>(((ITypedGrain)g).Wait(t)), cancellationToken).AsTask();
}
