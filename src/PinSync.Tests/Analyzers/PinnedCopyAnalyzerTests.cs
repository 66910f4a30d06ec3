namespace PinSync.Tests.Analyzers;

/// <summary>PINSYNC001–004: copies, boxing, captures and hoisted locals of pinned values.</summary>
public sealed class PinnedCopyAnalyzerTests
{
    private const string Node = """
        [Pinned]
        public unsafe struct Node
        {
            public Node* Next;
            public int Value;
            public static void Init(Node* node) { node->Next = node; }
            public void Touch() { Value++; }
        }

        """;

    [Fact]
    public Task LocalInitializedFromVariable_Copy_Reports() => AnalyzerHarness.VerifyAsync(Node + """
        public static unsafe class C
        {
            public static void M(Node* p, ref Node r)
            {
                Node a;
                Node.Init(&a);
                Node b = a;              // !PINSYNC001
                var c = *p;              // !PINSYNC001
                Node d = r;              // !PINSYNC001
                var e = p[0];            // !PINSYNC001
                _ = b.Value + c.Value + d.Value + e.Value;
            }
        }
        """);

    [Fact]
    public Task Assignment_FromStorage_Reports() => AnalyzerHarness.VerifyAsync(Node + """
        public static unsafe class C
        {
            public static void M(Node* p, Node* q)
            {
                Node a = default;
                Node b = default;
                a = b;                   // !PINSYNC001
                *p = *q;                 // !PINSYNC001
                *p = default;
                *q = new Node();
                _ = a.Value;
            }
        }
        """);

    [Fact]
    public Task ByValueArgumentAndReturn_Reports() => AnalyzerHarness.VerifyAsync(Node + """
        public static unsafe class C
        {
            public static Node Get(Node* p)       // !PINSYNC007
            {
                return *p;                        // !PINSYNC001
            }

            public static void Take(Node n) { }   // !PINSYNC007

            public static void M(Node* p)
            {
                Node a = default;
                Take(a);                          // !PINSYNC001
                Take(*p);                         // !PINSYNC001
                var list = new List<Node>();
                list.Add(a);                      // !PINSYNC001
            }
        }
        """);

    [Fact]
    public Task Boxing_Reports() => AnalyzerHarness.VerifyAsync(Node + """
        public static unsafe class C
        {
            public static void M(Node* p)
            {
                Node a = default;
                object o = a;                      // !PINSYNC002
                Console.WriteLine(*p);             // !PINSYNC002
                ValueType v = (ValueType)a;        // !PINSYNC002
                string s = $"{a}";                 // !PINSYNC001
                _ = (o, v, s);
            }
        }
        """);

    [Fact]
    public Task WithTupleArrayConditionalForeach_Reports() => AnalyzerHarness.VerifyAsync(Node + """
        public static unsafe class C
        {
            public static void M(Node* p, bool flag, Span<Node> nodes)
            {
                Node a = default;
                Node b = default;
                var w = a with { Value = 1 };      // !PINSYNC001
                var t = (a, 1);                    // !PINSYNC001
                Node* arr = stackalloc Node[] { a, default }; // !PINSYNC001
                var c = flag ? a : b;              // !PINSYNC001
                foreach (var n in nodes)           // !PINSYNC001
                {
                    _ = n.Value;
                }

                foreach (ref var n in nodes)
                {
                    n.Touch();
                }

                _ = w.Value + t.Item2 + c.Value + arr->Value;
            }
        }
        """);

    [Fact]
    public Task ThisCopyInsidePinnedStruct_Reports() => AnalyzerHarness.VerifyAsync("""
        [Pinned]
        public unsafe struct Self
        {
            public Self* Me;
            public int Copy()
            {
                var copy = this;                   // !PINSYNC001
                return copy.Me == null ? 0 : 1;
            }
        }
        """);

    [Fact]
    public Task Capture_InLambdaOrLocalFunction_Reports() => AnalyzerHarness.VerifyAsync(Node + """
        public static unsafe class C
        {
            public static Func<int> M()
            {
                Node a = default;
                Node b = default;
                int Local() => b.Value;            // !PINSYNC003
                _ = Local();
                return () => a.Value;              // !PINSYNC003
            }

            public static Action Pointer(Node* p) => () => p->Touch();
        }
        """);

    [Fact]
    public Task PinnedLocal_InAsyncMethodOrIterator_Reports() => AnalyzerHarness.VerifyAsync(Node + """
        public static class C
        {
            public static async Task M()
            {
                Node a = default;                  // !PINSYNC004
                a.Touch();
                await Task.Yield();
            }

            public static IEnumerable<int> It()
            {
                Node a = default;                  // !PINSYNC004
                a.Touch();
                yield return a.Value;
            }
        }
        """);

    [Fact]
    public Task AllowedPatterns_DoNotReport() => AnalyzerHarness.VerifyAsync(Node + """
        [Pinned]
        public unsafe struct Outer
        {
            public Node Inner;
            public Node Second;
            public static ref Node InnerOf(Outer* outer) => ref outer->Inner;
            public readonly int Peek(in Node n) => n.Value;
        }

        public static unsafe class C
        {
            public static ref Node Pick(ref Node a, ref Node b, bool first) => ref first ? ref a : ref b;

            public static void Read(in Node node) => _ = node.Value;

            public static void Write(ref Node node) => node.Value = 1;

            public static void Out(out Node node) => node = default;

            public static void M(Node* p)
            {
                Node local;
                Node.Init(&local);
                var zeroed = default(Node);
                Node.Init(&zeroed);
                Node created = new Node();
                Node.Init(&created);
                Node* heap = (Node*)System.Runtime.InteropServices.NativeMemory.AllocZeroed((nuint)sizeof(Node));
                Node.Init(heap);
                System.Runtime.InteropServices.NativeMemory.Free(heap);
                Node* stack = stackalloc Node[4];
                Node.Init(&stack[1]);
                ref Node r = ref *p;
                r.Touch();
                ref Node picked = ref Pick(ref local, ref zeroed, true);
                picked.Value = 2;
                Read(in local);
                Read(local);
                Write(ref local);
                Out(out var fresh);
                fresh.Touch();
                void* address = Unsafe.AsPointer(ref local);
                Node* back = (Node*)address;
                back->Touch();
                Outer outer = default;
                Node.Init(&outer.Inner);
                ref Node inner = ref Outer.InnerOf(&outer);
                inner.Touch();
                Unsafe.SkipInit(out Node skipped);
                Node.Init(&skipped);
                *p = default;
                local = default;
                int size = sizeof(Node);
                string name = nameof(local);
                Action a = () => Node.Init(p);
                a();
                Span<Node> span = stackalloc Node[2];
                foreach (ref var n in span)
                {
                    n.Touch();
                }

                _ = (size, name, created.Value);
            }

            public static void Touch(IntPtr raw) => ((Node*)raw)->Touch();

            public static void Generic<T>(T value) where T : unmanaged
            {
                T copy = value;
                object boxed = copy;
                _ = boxed;
            }
        }

        public static class AsyncUser
        {
            public static async Task Async(IntPtr raw)
            {
                await Task.Yield();
                C.Touch(raw);
            }
        }
        """);
}
