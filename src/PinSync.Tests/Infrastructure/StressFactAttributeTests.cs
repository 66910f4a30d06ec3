using System.Reflection;

namespace PinSync.Tests;

public sealed class StressFactAttributeTests : TestBase
{
    [Fact]
    public void Skip_IsSetExactlyWhenStressIsOff()
    {
        var attribute = new StressFactAttribute();

        if (StressFactAttribute.IsEnabled)
        {
            Assert.Null(attribute.Skip);
        }
        else
        {
            Assert.Contains("PINSYNC_STRESS=1", attribute.Skip, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void StressTests_AreMarkedForTheCategoryFilter()
    {
        // Every [StressFact] also carries the trait that `--filter Category=Stress` selects (README).
        var methods = typeof(StressFactAttributeTests).Assembly.GetTypes()
            .SelectMany(type => type.GetMethods())
            .Where(method => method.IsDefined(typeof(StressFactAttribute), inherit: false))
            .ToList();

        Assert.NotEmpty(methods);
        foreach (var method in methods)
        {
            Assert.True(
                HasStressTrait(method.GetCustomAttributesData()) || HasStressTrait(method.DeclaringType!.GetCustomAttributesData()),
                $"{method.DeclaringType!.Name}.{method.Name} is a [StressFact] without [Trait(\"Category\", \"Stress\")].");
        }
    }

    // xunit 2's TraitAttribute keeps its name and value only as constructor arguments.
    private static bool HasStressTrait(IEnumerable<CustomAttributeData> attributes) =>
        attributes.Any(attribute =>
            attribute.AttributeType == typeof(TraitAttribute) &&
            attribute.ConstructorArguments is [{ Value: "Category" }, { Value: "Stress" }]);
}
