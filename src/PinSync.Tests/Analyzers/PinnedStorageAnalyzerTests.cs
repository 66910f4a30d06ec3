namespace PinSync.Tests.Analyzers;

/// <summary>PINSYNC005–007: where a pinned type may be declared.</summary>
public sealed class PinnedStorageAnalyzerTests
{
    private const string Node = """
        [Pinned]
        public unsafe struct Node
        {
            public Node* Next;
        }

        """;

    [Fact]
    public Task ClassFieldsAndStatics_Report() => AnalyzerHarness.VerifyAsync(Node + """
        public sealed class Holder
        {
            private Node _node;                      // !PINSYNC005
            public Node Auto { get; set; }           // !PINSYNC005
            private static Node s_shared;            // !PINSYNC005
            public Node? Maybe;                      // !PINSYNC005
            public ref Node First() => ref _node;
            public static ref Node Shared => ref s_shared;
        }

        public record class R(int X)
        {
            public Node Field;                       // !PINSYNC005
        }
        """);

    [Fact]
    public Task UnmarkedStructEmbeddingPinned_Reports() => AnalyzerHarness.VerifyAsync(Node + """
        public struct Unmarked                       // !PINSYNC006
        {
            public Node Inner;                       // !PINSYNC006
            public int Count;
        }

        public struct Transitive                     // !PINSYNC006
        {
            public Unmarked Wrapped;                 // !PINSYNC006
        }
        """);

    [Fact]
    public Task ByValueSignatures_Report() => AnalyzerHarness.VerifyAsync(Node + """
        public delegate Node Factory(Node seed);     // !PINSYNC007

        [Pinned]
        public struct Marked
        {
            public Node Inner;
            public Node Prop => default;             // !PINSYNC007
        }

        public static unsafe class C
        {
            public static Node Make() => default;    // !PINSYNC007
            public static void Take(Node n) { }      // !PINSYNC007
            public static void M()
            {
                static void Local(Node n) { }        // !PINSYNC007
                Local(default);
            }
        }
        """);

    [Fact]
    public Task AllowedDeclarations_DoNotReport() => AnalyzerHarness.VerifyAsync(Node + """
        [Pinned]
        public struct Marked
        {
            public Node Inner;
        }

        [PinData]
        public partial struct Data
        {
            [Pin] public Node Inner;
        }

        public unsafe sealed class Owner
        {
            private Node* _node;
            private readonly Node[] _nodes = [];
            public Owner(Node* node) => _node = node;
            public Node* Pointer => _node;
            public static void In(in Node n) { }
            public static void Ref(ref Node n) { }
            public static void RefReadonly(ref readonly Node n) { }
            public static void Out(out Node n) => n = default;
            public static ref Node Ret(ref Node n) => ref n;
            public static ref readonly Node RetReadonly(in Node n) => ref n;
            public int Count => _nodes.Length;
        }

        public ref struct View
        {
            public ref Node Target;
        }
        """);
}
