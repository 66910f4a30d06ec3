using System.Reflection;
using System.Runtime.ExceptionServices;

namespace PinSync.Runtime.Internal;

/// <summary>The typed half of <see cref="GrainMethod"/>: creates <see cref="Request{TResult}"/>s and calls the grain
/// through a cached <see cref="MethodInvoker"/>.</summary>
/// <typeparam name="TResult">The method's result, <see cref="Unit"/> for <see cref="ValueTask"/> and <see cref="Task"/>.</typeparam>
/// <remarks>Immutable and thread-safe.</remarks>
internal sealed class GrainMethod<TResult> : GrainMethod
{
    private readonly MethodInvoker _invoker;

    internal GrainMethod(MethodInfo method, GrainReturnKind returnKind)
        : base(method, returnKind) => _invoker = MethodInvoker.Create(method);

    /// <inheritdoc />
    internal override object Send(GrainProxy proxy, object?[] args)
    {
        var callerToken = CancellationTokenIndex >= 0 ? (CancellationToken)args[CancellationTokenIndex]! : default;
        var request = ReflectionRequest<TResult>.Rent(proxy.Runtime, this, args, GrainCallContext.Current, callerToken, out var version);
        request.Arm(proxy.Runtime, proxy.Target);
        proxy.Send(request);
        return ReturnKind switch
        {
            GrainReturnKind.ValueTaskOfT => new ValueTask<TResult>(request, version),
            GrainReturnKind.TaskOfT => new ValueTask<TResult>(request, version).AsTask(),
            GrainReturnKind.ValueTask => new ValueTask(request, version),
            _ => new ValueTask(request, version).AsTask(),
        };
    }

    /// <summary>Calls the method on <paramref name="grain"/>; exceptions (synchronous or not) reach the caller as they
    /// were thrown (never wrapped in <see cref="TargetInvocationException"/>).</summary>
    internal ValueTask<TResult> Invoke(Grain grain, object?[] args, CancellationToken token)
    {
        if (CancellationTokenIndex >= 0)
        {
            args[CancellationTokenIndex] = token;
        }

        object? returned;
        try
        {
            returned = _invoker.Invoke(grain, new Span<object?>(args));
        }
        catch (TargetInvocationException wrapped) when (wrapped.InnerException is { } inner)
        {
            ExceptionDispatchInfo.Throw(inner);
            throw;
        }

        return ReturnKind switch
        {
            GrainReturnKind.ValueTaskOfT => (ValueTask<TResult>)returned!,
            GrainReturnKind.TaskOfT => new ValueTask<TResult>((Task<TResult>)returned!),
            GrainReturnKind.ValueTask => FromValueTask((ValueTask)returned!),
            _ => FromTask((Task)returned!),
        };
    }

    private static ValueTask<TResult> FromValueTask(ValueTask pending) =>
        pending.IsCompletedSuccessfully ? default : AwaitValueTask(pending);

    private static ValueTask<TResult> FromTask(Task pending) =>
        pending.IsCompletedSuccessfully ? default : AwaitTask(pending);

    private static async ValueTask<TResult> AwaitValueTask(ValueTask pending)
    {
        await pending;
        return default!;
    }

    private static async ValueTask<TResult> AwaitTask(Task pending)
    {
        await pending;
        return default!;
    }
}
