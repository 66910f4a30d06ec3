using PinSync.Runtime;

namespace PinSync.Bench.Runtime;

/// <summary>A typed grain interface, called through a hand-written <see cref="GrainReference"/> — the code the
/// grain-reference generator would emit — to measure the reflection-free path against the DispatchProxy one.</summary>
public interface ITypedBenchGrain : IGrain
{
    ValueTask<int> Add(int value);
}

/// <summary>Same work as <see cref="BenchGrain"/>.</summary>
public sealed class TypedBenchGrain : Grain, ITypedBenchGrain
{
    private int _total;

    public ValueTask<int> Add(int value) => new(_total += value);
}

/// <summary>The generated-style reference.</summary>
public sealed class TypedBenchGrainReference : GrainReference, ITypedBenchGrain
{
    private static readonly GrainMethodDescriptor s_add = new(nameof(ITypedBenchGrain), nameof(Add), false, false, false);

    static TypedBenchGrainReference() => Register<ITypedBenchGrain>(static () => new TypedBenchGrainReference());

    /// <summary>Runs the static constructor (registration).</summary>
    public static void EnsureRegistered()
    {
    }

    public ValueTask<int> Add(int value) => InvokeAsync(s_add, value, static (g, v, _) => ((ITypedBenchGrain)g).Add(v));
}
