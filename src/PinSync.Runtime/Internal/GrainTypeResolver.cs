using System.Diagnostics.CodeAnalysis;
using System.Reflection;

namespace PinSync.Runtime.Internal;

/// <summary>
/// Finds the grain class of a grain interface without registration: an explicit mapping from the options if there
/// is one, otherwise the one non-abstract class deriving from <see cref="Grain"/> that implements the interface in
/// the loaded assemblies that can see <see cref="IGrain"/> (the interface's own assembly first).
/// </summary>
/// <remarks>Reflection, once per interface per runtime. Thread-safe.</remarks>
internal static class GrainTypeResolver
{
    private static readonly string s_runtimeAssembly = typeof(IGrain).Assembly.GetName().Name!;

    // Discovery results, process-wide: scanning the loaded assemblies is the slow part of a first call, and tests
    // create a runtime per iteration.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, Type> s_discovered = new();

    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Grain discovery is reflection by design; " +
        "trimmed or AOT applications map their grains with GrainRuntimeOptions.AddGrainType, which keeps the constructors.")]
    [UnconditionalSuppressMessage("Trimming", "IL2072", Justification = "See IL2026 above.")]
    internal static GrainClassInfo Resolve(Type grainInterface, IReadOnlyDictionary<Type, Type> explicitTypes)
    {
        if (explicitTypes.TryGetValue(grainInterface, out var mapped))
        {
            return new GrainClassInfo(mapped);
        }

        if (s_discovered.TryGetValue(grainInterface, out var discovered))
        {
            return new GrainClassInfo(discovered);
        }

        var candidates = new List<Type>();
        foreach (var assembly in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (assembly != grainInterface.Assembly && !References(assembly))
            {
                continue;
            }

            foreach (var type in LoadableTypes(assembly))
            {
                if (type is { IsClass: true, IsAbstract: false, ContainsGenericParameters: false } &&
                    type.IsSubclassOf(typeof(Grain)) && grainInterface.IsAssignableFrom(type))
                {
                    candidates.Add(type);
                }
            }
        }

        return candidates.Count switch
        {
            1 => new GrainClassInfo(s_discovered.GetOrAdd(grainInterface, candidates[0])),
            0 => throw new ArgumentException(SR.NoGrainClass(grainInterface.Name)),
            _ => throw new ArgumentException(SR.SeveralGrainClasses(
                grainInterface.Name, string.Join(", ", candidates.Select(t => t.FullName)))),
        };
    }

    private static bool References(Assembly assembly)
    {
        if (assembly.IsDynamic)
        {
            return false;
        }

        foreach (var name in assembly.GetReferencedAssemblies())
        {
            if (name.Name == s_runtimeAssembly)
            {
                return true;
            }
        }

        return false;
    }

    private static IEnumerable<Type> LoadableTypes(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException partial)
        {
            return partial.Types.OfType<Type>();
        }
    }
}
