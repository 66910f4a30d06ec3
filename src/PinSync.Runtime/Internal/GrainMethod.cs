using System.Reflection;

namespace PinSync.Runtime.Internal;

/// <summary>
/// A grain interface method as the reflection proxy sees it: its interleaving flags, where its
/// <see cref="CancellationToken"/> is, and how to turn a call into a request and a request back into a call on the
/// grain. Built once per method (<see cref="GrainInterfaceInfo"/>); the typed half is <see cref="GrainMethod{TResult}"/>.
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
internal abstract class GrainMethod
{
    protected GrainMethod(MethodInfo method, GrainReturnKind returnKind)
    {
        Method = method;
        ReturnKind = returnKind;
        DisplayName = method.DeclaringType!.Name + "." + method.Name;
        var parameters = method.GetParameters();
        CancellationTokenIndex = parameters.Length > 0 && parameters[^1].ParameterType == typeof(CancellationToken)
            ? parameters.Length - 1
            : -1;
        Shape = new RequestShape(
            method.Name,
            method.IsDefined(typeof(AlwaysInterleaveAttribute), inherit: true),
            method.IsDefined(typeof(ReadOnlyAttribute), inherit: true));
    }

    /// <summary>The interface method.</summary>
    internal MethodInfo Method { get; }

    /// <summary><c>IAccount.Deposit</c>.</summary>
    internal string DisplayName { get; }

    /// <summary>The name and flags the reentrancy predicate reads.</summary>
    internal RequestShape Shape { get; }

    /// <summary>The index of the trailing <see cref="CancellationToken"/> parameter, or -1.</summary>
    internal int CancellationTokenIndex { get; }

    /// <summary>What the method returns.</summary>
    internal GrainReturnKind ReturnKind { get; }

    /// <summary>Describes <paramref name="method"/>, or throws when it cannot be a grain method.</summary>
    /// <exception cref="ArgumentException">The method's shape is not supported.</exception>
    internal static GrainMethod Create(MethodInfo method)
    {
        var type = method.ReturnType;
        GrainReturnKind kind;
        Type result;
        if (type == typeof(ValueTask))
        {
            (kind, result) = (GrainReturnKind.ValueTask, typeof(Unit));
        }
        else if (type == typeof(Task))
        {
            (kind, result) = (GrainReturnKind.Task, typeof(Unit));
        }
        else if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(ValueTask<>))
        {
            (kind, result) = (GrainReturnKind.ValueTaskOfT, type.GetGenericArguments()[0]);
        }
        else if (type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Task<>))
        {
            (kind, result) = (GrainReturnKind.TaskOfT, type.GetGenericArguments()[0]);
        }
        else
        {
            throw BadMethod(method);
        }

        if (method.IsGenericMethodDefinition || method.GetParameters().Any(p => p.ParameterType.IsByRef))
        {
            throw BadMethod(method);
        }

        var typed = typeof(GrainMethod<>).MakeGenericType(result);
        return (GrainMethod)Activator.CreateInstance(typed, BindingFlags.Instance | BindingFlags.NonPublic, null, [method, kind], null)!;
    }

    /// <summary>Makes a request of the call, sends it and returns what the proxy returns to the caller.</summary>
    internal abstract object Send(GrainProxy proxy, object?[] args);

    private static ArgumentException BadMethod(MethodInfo method) =>
        new(SR.BadGrainMethod(method.DeclaringType?.Name, method.Name));
}
