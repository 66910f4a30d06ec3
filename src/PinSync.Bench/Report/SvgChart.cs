using System.Globalization;
using System.Security;
using System.Text;
using PinSync.Bench.Latency;

namespace PinSync.Bench.Report;

/// <summary>
/// A hand-written SVG bar chart: each PinSync / best-peer ratio (the fastest of the BCL and library peers in the same
/// class and parameters) as a bar from 1.0 on a log₂ axis (left of 1.0: PinSync is faster), coloured by its goal
/// (green met, red missed, grey not judged: a dry run) with the goal as a black tick; below it, the maximum wait
/// under saturation against the 2 ms goal. The label column is as wide as the longest label and the value column
/// has room for its text, so no label is clipped.
/// </summary>
internal static class SvgChart
{
    // Width of one character of the 10.5 px label font, rounded up (Helvetica/Arial average about 0.55 em).
    private const double CharWidth = 6.2;
    private const int PlotWidth = 470;
    private const int ValueWidth = 300;
    private const int RowHeight = 18;
    private const int Top = 64;
    private const string Green = "#3a9a4a";
    private const string Red = "#d0463b";
    private const string Grey = "#9a9a9a";

    internal static string Render(List<RatioRow> ratios, LatencyReport? latency, bool underLoad)
    {
        var sb = new StringBuilder();
        ratios = [.. ratios.Where(r => r.PeerRatio is not null)];
        var latencyRows = latency?.Rows ?? [];
        var longest = ratios.Select(r => r.PeerLabel.Length)
            .Concat(latencyRows.Select(r => r.Scenario.Length + r.Primitive.Length + 2))
            .DefaultIfEmpty(20).Max();
        var labelWidth = (int)Math.Ceiling((longest * CharWidth) + 16);
        var width = Math.Max(1100, labelWidth + PlotWidth + ValueWidth);
        var ratioHeight = (ratios.Count * RowHeight) + 40;
        var latencyHeight = latencyRows.Count == 0 ? 0 : (latencyRows.Count * RowHeight) + 90;
        var height = Top + ratioHeight + latencyHeight + 20;

        sb.AppendLine(CultureInfo.InvariantCulture,
            $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" "
            + $"font-family=\"Segoe UI, Helvetica, Arial, sans-serif\" font-size=\"11\">");
        sb.AppendLine(CultureInfo.InvariantCulture, $"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>");
        Text(sb, 10, 20, "PinSync / best peer (mean time per operation; lower is better; log scale)", 14, "bold");
        Text(sb, 10, 38, "best peer: the fastest of SemaphoreSlim, Lock, Monitor, DotNext, Nito, VS.Threading (Orleans for grain rows) in the row · green: goal met · "
            + "red: missed · grey: not judged (dry) · tick: goal"
            + (underLoad ? " · MEASURED UNDER LOAD (shared machine)" : ""), 11, underLoad ? "bold" : "normal", underLoad ? Red : "#333");

        // Axis range: powers of two around the data, at least 1/4 … 4.
        var lo = Math.Min(0.25, ratios.Count == 0 ? 1 : ratios.Min(r => Math.Min(r.PeerRatio!.Value, r.PeerGoal)) * 0.8);
        var hi = Math.Max(4, ratios.Count == 0 ? 1 : ratios.Max(r => r.PeerRatio!.Value) * 1.25);
        var loExp = (int)Math.Floor(Math.Log2(lo));
        var hiExp = (int)Math.Ceiling(Math.Log2(hi));
        double X(double ratio) => labelWidth + ((Math.Log2(ratio) - loExp) / (hiExp - loExp) * PlotWidth);

        var axisTop = Top - 10;
        var axisBottom = Top + (ratios.Count * RowHeight);
        for (var e = loExp; e <= hiExp; e++)
        {
            var v = Math.Pow(2, e);
            var x = X(v);
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"<line x1=\"{x:0.#}\" y1=\"{axisTop}\" x2=\"{x:0.#}\" y2=\"{axisBottom}\" stroke=\"{(e == 0 ? "#000" : "#ddd")}\" "
                + $"stroke-width=\"{(e == 0 ? 1.5 : 1)}\"/>");
            Text(sb, x, axisBottom + 14, v >= 1 ? $"{v:0}×" : $"1/{1 / v:0}×", 10, "normal", "#333", "middle");
        }

        for (var i = 0; i < ratios.Count; i++)
        {
            var r = ratios[i];
            var y = Top + (i * RowHeight);
            var ratio = r.PeerRatio!.Value;
            var colour = r.PeerMet switch { true => Green, false => Red, null => Grey };
            var x1 = X(Math.Min(1, ratio));
            var x2 = X(Math.Max(1, ratio));
            Text(sb, labelWidth - 6, y + 12, r.PeerLabel, 10.5, "normal", "#111", "end");
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"<rect x=\"{x1:0.#}\" y=\"{y + 3}\" width=\"{Math.Max(1, x2 - x1):0.#}\" height=\"{RowHeight - 6}\" fill=\"{colour}\">"
                + $"<title>{Escape(r.PeerLabel)}: {ratio:0.00}×</title></rect>");
            var gx = X(r.PeerGoal);
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"<line x1=\"{gx:0.#}\" y1=\"{y + 1}\" x2=\"{gx:0.#}\" y2=\"{y + RowHeight - 1}\" stroke=\"#000\" stroke-width=\"2\"/>");

            var alloc = r.AllocationMet == false ? $" · {r.Case.AllocatedBytes:0} B/op" : "";
            var dry = r.IsDry ? " · dry" : "";
            Text(sb, labelWidth + PlotWidth + 8, y + 12, $"{ratio:0.00}× · vs {RatioRow.ShortTitle(r.Baseline.Title)} {r.Ratio:0.00}×{alloc}{dry}",
                10.5, "normal", colour);
        }

        if (latencyRows.Count > 0)
        {
            var top = Top + ratioHeight + 30;
            Text(sb, 10, top - 8, "Maximum wait under saturation (ms; goal for PinnedMutex: ≤ 2 ms; log scale)", 14, "bold");
            var maxMs = Math.Max(4, latencyRows.Max(r => r.MaxUs / 1000) * 1.25);
            var minMs = Math.Min(0.01, Math.Max(0.001, latencyRows.Min(r => r.MaxUs / 1000) * 0.8));
            var a = Math.Floor(Math.Log10(minMs));
            var b = Math.Ceiling(Math.Log10(maxMs));
            double Lx(double ms) => labelWidth + ((Math.Log10(Math.Max(ms, Math.Pow(10, a))) - a) / (b - a) * PlotWidth);
            var bottom = top + 10 + (latencyRows.Count * RowHeight);
            for (var e = a; e <= b; e++)
            {
                var x = Lx(Math.Pow(10, e));
                sb.AppendLine(CultureInfo.InvariantCulture, $"<line x1=\"{x:0.#}\" y1=\"{top}\" x2=\"{x:0.#}\" y2=\"{bottom}\" stroke=\"#ddd\"/>");
                Text(sb, x, bottom + 14, FormatMs(Math.Pow(10, e)), 10, "normal", "#333", "middle");
            }

            var goalX = Lx(Goals.MaxWaitGoalUs / 1000);
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"<line x1=\"{goalX:0.#}\" y1=\"{top}\" x2=\"{goalX:0.#}\" y2=\"{bottom}\" stroke=\"#000\" stroke-width=\"2\" stroke-dasharray=\"4 3\"/>");
            for (var i = 0; i < latencyRows.Count; i++)
            {
                var row = latencyRows[i];
                var y = top + 10 + (i * RowHeight);
                var ms = row.MaxUs / 1000;
                var pinned = row.Primitive.StartsWith("PinnedMutex", StringComparison.Ordinal);
                var colour = !pinned ? Grey : ms <= Goals.MaxWaitGoalUs / 1000 ? Green : Red;
                Text(sb, labelWidth - 6, y + 12, $"{row.Scenario}: {row.Primitive}", 10.5, "normal", "#111", "end");
                sb.AppendLine(CultureInfo.InvariantCulture,
                    $"<rect x=\"{labelWidth}\" y=\"{y + 3}\" width=\"{Math.Max(1, Lx(ms) - labelWidth):0.#}\" height=\"{RowHeight - 6}\" "
                    + $"fill=\"{colour}\"/>");
                Text(sb, labelWidth + PlotWidth + 8, y + 12, $"max {ms:0.00} ms · p99 {row.P99Us:0} µs", 10.5, "normal", colour);
            }
        }

        sb.AppendLine("</svg>");
        return sb.ToString().Replace("\r\n", "\n", StringComparison.Ordinal);
    }

    private static string FormatMs(double ms) => ms >= 1 ? $"{ms:0} ms" : ms >= 0.001 ? $"{ms * 1000:0} µs" : $"{ms * 1e6:0} ns";

    private static void Text(StringBuilder sb, double x, double y, string text, double size, string weight,
        string fill = "#111", string anchor = "start") =>
        sb.AppendLine(CultureInfo.InvariantCulture,
            $"<text x=\"{x:0.#}\" y=\"{y:0.#}\" font-size=\"{size}\" font-weight=\"{weight}\" fill=\"{fill}\" text-anchor=\"{anchor}\">"
            + $"{Escape(text)}</text>");

    private static string Escape(string s) => SecurityElement.Escape(s) ?? "";
}
