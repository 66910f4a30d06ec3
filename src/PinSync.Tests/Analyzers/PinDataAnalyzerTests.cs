namespace PinSync.Tests.Analyzers;

/// <summary>PINSYNC020–024: the shape a <c>[PinData]</c> struct needs.</summary>
public sealed class PinDataAnalyzerTests
{
    private const string Node = """
        [Pinned]
        public unsafe struct Node
        {
            public Node* Next;
        }

        """;

    [Fact]
    public Task BadShapes_Report() => AnalyzerHarness.VerifyAsync(Node + """
        [PinData]
        public struct NotPartial                    // !PINSYNC020
        {
            [Pin] public Node A;
        }

        [PinData]
        public partial struct Generic<T>            // !PINSYNC020
            where T : unmanaged
        {
            public T Value;
        }

        [PinData]
        public partial struct Managed
        {
            public string Name;                     // !PINSYNC021
        }

        [PinData]
        public partial struct ReadOnlyMembers
        {
            public readonly int Fixed;              // !PINSYNC023
            public int Auto { get; set; }           // !PINSYNC023
        }

        [PinData]
        public partial struct MissingPin
        {
            public Node A;                          // !PINSYNC024
        }

        public struct NotPinData
        {
            [Pin] public int A;                     // !PINSYNC022
        }
        """);

    [Fact]
    public Task GoodShape_DoesNotReport() => AnalyzerHarness.VerifyAsync(Node + """
        [PinData]
        public partial struct Good
        {
            [Pin] public Node A;
            public int Count;
            [Pin] public Node B;
            public unsafe fixed byte Buffer[8];
        }

        public static partial class Outer
        {
            [PinData]
            public partial struct Nested
            {
                [Pin] public Node A;
            }
        }
        """);
}
