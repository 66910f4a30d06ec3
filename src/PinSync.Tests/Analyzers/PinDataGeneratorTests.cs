using Microsoft.CodeAnalysis;

namespace PinSync.Tests.Analyzers;

/// <summary>
/// The <c>[PinData]</c> generator: the generated initializer compiles warning-free, builds fields in place in
/// declaration order, and on a failure or an exception drops exactly the fields already built, in reverse order,
/// each once. The rollback tests compile the generated code and run it in a collectible load context.
/// </summary>
public sealed class PinDataGeneratorTests
{
    private const string Program = """
        public static class Log
        {
            public static readonly List<string> Items = new();
        }

        public struct Part : IPinnedDrop
        {
            public int Id;
            public int Drops;

            public void Drop()
            {
                Drops++;
                Log.Items.Add("drop " + Id);
            }
        }

        // Not droppable: needs no rollback.
        public struct Plain
        {
            public int Id;
        }

        public readonly unsafe struct PartInit : IPinInit<Part, string>
        {
            private readonly int _id;
            private readonly int _failAt;
            private readonly bool _throw;

            public PartInit(int id, int failAt, bool throwInstead)
            {
                _id = id;
                _failAt = failAt;
                _throw = throwInstead;
            }

            public bool TryInit(Part* slot, out string error)
            {
                if (_id == _failAt)
                {
                    if (_throw)
                    {
                        throw new InvalidOperationException("boom " + _id);
                    }

                    error = "fail " + _id;
                    return false;
                }

                slot->Id = _id;
                slot->Drops = 0;
                Log.Items.Add("init " + _id);
                error = "";
                return true;
            }
        }

        public readonly unsafe struct PlainInit : IPinInit<Plain, string>
        {
            public bool TryInit(Plain* slot, out string error)
            {
                slot->Id = 99;
                Log.Items.Add("init plain");
                error = "";
                return true;
            }
        }

        [PinData]
        public partial struct Whole : IPinnedDrop
        {
            [Pin] public Part First;
            public int Count;
            [Pin] public Plain Middle;
            [Pin] public Part Second;
            public long Stamp;
            [Pin] public Part Third;
            public unsafe fixed byte Buffer[4];

            public void Drop() => DropPinnedFields();
        }

        public static unsafe class Program
        {
            public static string Run(int failAt, bool throwInstead)
            {
                Log.Items.Clear();
                var init = Whole.PinInit<string>.Create(
                    new PartInit(1, failAt, throwInstead),
                    count: 7,
                    middle: new PlainInit(),
                    second: new PartInit(2, failAt, throwInstead),
                    stamp: 42L,
                    third: new PartInit(3, failAt, throwInstead));
                Whole* whole = (Whole*)System.Runtime.InteropServices.NativeMemory.Alloc((nuint)sizeof(Whole));
                new Span<byte>(whole, sizeof(Whole)).Fill(0xAB);
                try
                {
                    bool ok;
                    string error;
                    try
                    {
                        ok = init.TryInit(whole, out error);
                    }
                    catch (InvalidOperationException e)
                    {
                        return string.Join(",", Log.Items) + " | threw " + e.Message;
                    }

                    if (!ok)
                    {
                        return string.Join(",", Log.Items) + " | failed " + error;
                    }

                    var state = $"count={whole->Count} stamp={whole->Stamp} middle={whole->Middle.Id} buffer={whole->Buffer[0] + whole->Buffer[3]}";
                    whole->Drop();
                    return string.Join(",", Log.Items) + " | ok " + state
                        + $" drops={whole->First.Drops}{whole->Second.Drops}{whole->Third.Drops}";
                }
                finally
                {
                    System.Runtime.InteropServices.NativeMemory.Free(whole);
                }
            }
        }
        """;

    private static Compilation Generate()
    {
        var (compilation, sources) = AnalyzerHarness.RunGenerator(Program);
        Assert.Single(sources);
        var errorsOrWarnings = compilation.GetDiagnostics()
            .Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true)
            .ToList();
        Assert.True(errorsOrWarnings.Count == 0, "Generated code has diagnostics:\n" + string.Join("\n", errorsOrWarnings));
        AnalyzerHarness.AssertCompiles(compilation);
        return compilation;
    }

    [Fact]
    public void Generate_PinDataStruct_EmitsDocumentedAutoGeneratedSource()
    {
        var (_, sources) = AnalyzerHarness.RunGenerator(Program);
        var text = Assert.Single(sources).SourceText.ToString();
        Assert.StartsWith("// <auto-generated/>", text, StringComparison.Ordinal);
        Assert.Contains("#nullable enable", text, StringComparison.Ordinal);
        Assert.Contains("public static unsafe class PinInit<TError>", text, StringComparison.Ordinal);
        Assert.Contains("/// <summary>", text, StringComparison.Ordinal);
        Assert.Contains("public void DropPinnedFields()", text, StringComparison.Ordinal);
        Assert.Contains("PinDrop.Register<global::Whole>()", text, StringComparison.Ordinal);
    }

    [Fact]
    public void GeneratedCode_WithDocumentationMode_HasNoWarnings()
    {
        var compilation = Generate();
        var parse = compilation.SyntaxTrees.First().Options.WithDocumentationMode(DocumentationMode.Diagnose);
        var rebuilt = compilation.RemoveAllSyntaxTrees().AddSyntaxTrees(
            compilation.SyntaxTrees.Select(t => t.WithRootAndOptions(t.GetRoot(), parse)));
        var warnings = rebuilt.GetDiagnostics()
            .Where(d => d.Severity >= DiagnosticSeverity.Warning && d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true)
            .ToList();
        Assert.True(warnings.Count == 0, string.Join("\n", warnings));
    }

    [Fact]
    public void TryInit_AllFieldsSucceed_BuildsInOrderAndDropsInReverseOnce()
    {
        var result = (string?)AnalyzerHarness.Run(Generate(), "Program", "Run", 0, false);
        Assert.Equal(
            "init 1,init plain,init 2,init 3,drop 3,drop 2,drop 1 | ok count=7 stamp=42 middle=99 buffer=0 drops=111",
            result);
    }

    [Theory]
    [InlineData(1, "failed fail 1", "")]
    [InlineData(2, "failed fail 2", "init 1,init plain,drop 1")]
    [InlineData(3, "failed fail 3", "init 1,init plain,init 2,drop 2,drop 1")]
    public void TryInit_FieldFails_DropsBuiltFieldsInReverseExactlyOnce(int failAt, string outcome, string log)
    {
        var result = (string?)AnalyzerHarness.Run(Generate(), "Program", "Run", failAt, false);
        Assert.Equal(log + " | " + outcome, result);
    }

    [Theory]
    [InlineData(1, "")]
    [InlineData(2, "init 1,init plain,drop 1")]
    [InlineData(3, "init 1,init plain,init 2,drop 2,drop 1")]
    public void TryInit_FieldThrows_DropsBuiltFieldsInReverseExactlyOnce(int failAt, string log)
    {
        var result = (string?)AnalyzerHarness.Run(Generate(), "Program", "Run", failAt, true);
        Assert.Equal(log + " | threw boom " + failAt, result);
    }

    [Fact]
    public void Generate_InvalidShape_EmitsNothing()
    {
        var (_, sources) = AnalyzerHarness.RunGenerator("""
            [PinData]
            public struct NotPartial
            {
                public int A;
            }
            """);
        Assert.Empty(sources);
    }

    [Fact]
    public void Generate_NestedAndKeywordNames_Compiles()
    {
        var (compilation, sources) = AnalyzerHarness.RunGenerator("""
            namespace Deep.Space
            {
                public static partial class Outer
                {
                    [PinData]
                    internal partial struct Inner
                    {
                        [Pin] public Part @lock;
                        public int _class;
                        public int Class;
                    }
                }

                public struct Part
                {
                    public int X;
                }

                public readonly unsafe struct PartInit : IPinInit<Part, Infallible>
                {
                    public bool TryInit(Part* slot, out Infallible error)
                    {
                        slot->X = 1;
                        error = default;
                        return true;
                    }
                }

                internal static unsafe class Use
                {
                    public static bool Build(Outer.Inner* slot) =>
                        Outer.Inner.PinInit<Infallible>.Create(new PartInit(), 1, 2).TryInit(slot, out _);
                }
            }
            """);
        Assert.Single(sources);
        AnalyzerHarness.AssertCompiles(compilation);
    }
}
