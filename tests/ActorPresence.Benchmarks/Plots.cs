using System.Globalization;
using ScottPlot;
using ScottPlot.TickGenerators;
using SkiaSharp;

namespace ActorPresence.Benchmarks;

/// <summary>
/// PNG plots for the report: latency percentiles against offered rate, and memory per entity.
/// Text is drawn with DejaVu Sans from the system (Debian's fonts-dejavu-core, which .ci/run
/// installs), so the plots look the same on every machine that has it.
/// </summary>
public static class Plots
{
    public const string LatencyFile = "latency.png";
    public const string MemoryFile = "memory.png";

    /// <summary>Where Debian's fonts-dejavu-core (and other distributions) put DejaVu Sans.</summary>
    private static readonly string[] FontFiles =
    [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
    ];
    public const string FontFamily = "DejaVu Sans";

    private static readonly Lazy<string> _font = new(SetUpFont);

    /// <summary>Writes every plot there is data for into <paramref name="outDir"/> and returns their paths.
    /// A plot without data is not written (and an older file of that name is removed, so the folder
    /// never shows a plot from another run).</summary>
    public static IReadOnlyList<string> Write(BenchResults r, string outDir)
    {
        Directory.CreateDirectory(outDir);
        var written = new List<string>();
        WriteOrRemove(outDir, LatencyFile, LatencyPlot(r), written);
        WriteOrRemove(outDir, MemoryFile, MemoryPlot(r), written);
        return written;
    }

    /// <summary>The font family the plots use: DejaVu Sans, or the system default when it is not installed.</summary>
    public static string Font => _font.Value;

    private static void WriteOrRemove(string outDir, string fileName, (Plot Plot, int Width, int Height)? plot, List<string> written)
    {
        var path = Path.Combine(outDir, fileName);
        if (plot is not { } p)
        {
            File.Delete(path);
            return;
        }
        p.Plot.SavePng(path, p.Width, p.Height);
        written.Add(path);
    }

    private static (Plot, int, int)? LatencyPlot(BenchResults r)
    {
        var series = r.Latency
            .Where(l => l.Latency.Count > 0 && l.OfferedRate > 0)
            .GroupBy(l => (l.System, l.Path, l.Nodes))
            .OrderBy(g => SystemOrder(g.Key.System)).ThenBy(g => PathOrder(g.Key.Path)).ThenBy(g => g.Key.Nodes)
            .ToList();
        var percentiles = new (string Name, Func<LatencySummary, double> Us, MarkerShape Marker, LinePattern Line)[]
        {
            ("p50", s => s.P50Us, MarkerShape.FilledCircle, LinePattern.Solid),
            ("p99", s => s.P99Us, MarkerShape.FilledTriangleUp, LinePattern.Dashed),
        };
        var values = series
            .SelectMany(g => g.SelectMany(l => percentiles.Select(p => p.Us(l.Latency) / 1000)))
            .Where(ms => ms > 0)
            .ToList();
        if (values.Count == 0)
        {
            return null;
        }

        var plot = NewPlot();
        var rates = series.SelectMany(g => g.Select(l => (double)l.OfferedRate)).Distinct().Order().ToArray();
        var logX = rates[^1] / rates[0] >= 10;
        double X(double rate) => logX ? Math.Log10(rate) : rate;
        var palette = new ScottPlot.Palettes.Category10();

        for (var i = 0; i < series.Count; i++)
        {
            var group = series[i];
            var points = group.OrderBy(l => l.OfferedRate).ToList();
            foreach (var (name, us, marker, line) in percentiles)
            {
                var kept = points.Where(l => us(l.Latency) > 0).ToList();
                if (kept.Count == 0)
                {
                    continue;
                }
                var scatter = plot.Add.Scatter(
                    kept.Select(l => X(l.OfferedRate)).ToArray(),
                    kept.Select(l => Math.Log10(us(l.Latency) / 1000)).ToArray());
                scatter.Color = palette.GetColor(i);
                scatter.MarkerShape = marker;
                scatter.MarkerSize = 9;
                scatter.LineWidth = 2;
                scatter.LinePattern = line;
                scatter.LegendText = $"{SeriesName(group.Key.System, group.Key.Path, group.Key.Nodes)}, {name}";
            }
        }

        var (yLow, yHigh) = (Math.Log10(values.Min()), Math.Log10(values.Max()));
        var yPad = Math.Max(0.1, (yHigh - yLow) * 0.05);
        plot.Axes.SetLimitsY(yLow - yPad, yHigh + yPad);
        plot.Axes.Left.TickGenerator = LogTicks(yLow - yPad, yHigh + yPad, FormatMs);

        if (logX)
        {
            var (xLow, xHigh) = (Math.Log10(rates[0]), Math.Log10(rates[^1]));
            var xPad = (xHigh - xLow) * 0.05;
            plot.Axes.SetLimitsX(xLow - xPad, xHigh + xPad);
            plot.Axes.Bottom.TickGenerator = rates.Length <= 10
                ? RateTicks(rates, X)
                : LogTicks(xLow - xPad, xHigh + xPad, FormatRate);
        }
        else
        {
            var span = rates[^1] - rates[0];
            var pad = span > 0 ? span * 0.08 : rates[0] * 0.5;
            plot.Axes.SetLimitsX(Math.Max(0, rates[0] - pad), rates[^1] + pad);
            plot.Axes.Bottom.TickGenerator = rates.Length <= 10
                ? RateTicks(rates, X)
                : new NumericAutomatic { LabelFormatter = FormatRate };
        }

        plot.Title("Propagation latency against offered rate");
        plot.XLabel(logX ? "offered rate (changes/s, log scale)" : "offered rate (changes/s)");
        plot.YLabel("latency (ms, log scale)");
        plot.ShowLegend(Edge.Right);
        ApplyFont(plot);
        return (plot, 1400, 800);
    }

    private static (Plot, int, int)? MemoryPlot(BenchResults r)
    {
        var rows = r.Memory
            .Where(m => double.IsFinite(m.BytesPerEntity))
            .OrderBy(m => SystemOrder(m.System)).ThenBy(m => m.System, StringComparer.Ordinal).ThenBy(m => m.Node, StringComparer.Ordinal)
            .ToList();
        if (rows.Count == 0)
        {
            return null;
        }

        var plot = NewPlot();
        var palette = new ScottPlot.Palettes.Category10();
        var systems = rows.Select(m => m.System).Distinct().ToList();
        var bars = new List<Bar>();
        var ticks = new List<Tick>();
        var position = 0.0;
        string? previous = null;
        foreach (var m in rows)
        {
            if (previous is not null && previous != m.System)
            {
                position += 0.6; // a gap between systems
            }
            previous = m.System;
            bars.Add(new Bar
            {
                Position = position,
                Value = Math.Max(0, m.BytesPerEntity),
                FillColor = palette.GetColor(systems.IndexOf(m.System)),
                Label = $"{Report.Sig(m.BytesPerEntity)} B",
            });
            ticks.Add(new Tick(position, $"{m.Node}\n{m.Entities.ToString("N0", CultureInfo.InvariantCulture)} entities", true));
            position += 1;
        }
        var barPlot = plot.Add.Bars(bars);
        barPlot.ValueLabelStyle.FontSize = 14;

        var target = plot.Add.HorizontalLine(Report.MemoryTargetBytes);
        target.Color = Colors.Black.WithAlpha(0.6);
        target.LinePattern = LinePattern.Dashed;
        target.LineWidth = 1.5f;

        foreach (var system in systems)
        {
            plot.Legend.ManualItems.Add(new LegendItem
            {
                LabelText = system,
                FillColor = palette.GetColor(systems.IndexOf(system)),
            });
        }
        plot.Legend.ManualItems.Add(new LegendItem
        {
            LabelText = $"ActorPresence target: ≤ 1 KB ({Report.MemoryTargetBytes.ToString("N0", CultureInfo.InvariantCulture)} B)",
            LineColor = target.Color,
            LinePattern = LinePattern.Dashed,
            LineWidth = 1.5f,
        });

        var top = Math.Max(rows.Max(m => m.BytesPerEntity), Report.MemoryTargetBytes);
        plot.Axes.SetLimits(-0.7, position - 0.3, 0, top * 1.18);
        plot.Axes.Bottom.TickGenerator = new NumericManual(ticks.ToArray());
        plot.Axes.Bottom.MajorTickStyle.Length = 0;
        plot.Axes.Left.TickGenerator = new NumericAutomatic { LabelFormatter = v => v.ToString("N0", CultureInfo.InvariantCulture) };
        plot.Grid.XAxisStyle.MajorLineStyle.Width = 0;

        plot.Title("Memory per entity on each node (after a full GC)");
        plot.YLabel("bytes per entity");
        plot.ShowLegend(Edge.Right);
        ApplyFont(plot);
        return (plot, Math.Clamp(600 + rows.Count * 140, 1100, 2000), 700);
    }

    private static Plot NewPlot()
    {
        _ = _font.Value;
        return new Plot();
    }

    private static void ApplyFont(Plot plot)
    {
        plot.Font.Set(_font.Value);
        plot.Legend.FontName = _font.Value;
        plot.Legend.FontSize = 14;
        plot.Axes.Title.Label.FontSize = 20;
        plot.Axes.Left.Label.FontSize = 16;
        plot.Axes.Bottom.Label.FontSize = 16;
        plot.Axes.Left.TickLabelStyle.FontSize = 13;
        plot.Axes.Bottom.TickLabelStyle.FontSize = 13;
    }

    /// <summary>Majors at 1, 2 and 5 per decade (only at powers of ten over many decades), minors at 1–9, between log10 bounds.</summary>
    private static NumericManual LogTicks(double low, double high, Func<double, string> format)
    {
        var ticks = new NumericManual();
        var decades = high - low;
        int[] labelled = decades <= 3 ? [1, 2, 5] : [1];
        for (var exponent = (int)Math.Floor(low); exponent <= (int)Math.Ceiling(high); exponent++)
        {
            for (var mantissa = 1; mantissa <= 9; mantissa++)
            {
                var value = mantissa * Math.Pow(10, exponent);
                var position = Math.Log10(value);
                if (position < low || position > high)
                {
                    continue;
                }
                if (labelled.Contains(mantissa))
                {
                    ticks.AddMajor(position, format(value));
                }
                else
                {
                    ticks.AddMinor(position);
                }
            }
        }
        return ticks;
    }

    private static NumericManual RateTicks(double[] rates, Func<double, double> x)
    {
        var ticks = new NumericManual();
        foreach (var rate in rates)
        {
            ticks.AddMajor(x(rate), FormatRate(rate));
        }
        return ticks;
    }

    private static string FormatMs(double ms) => ms.ToString("0.###", CultureInfo.InvariantCulture);

    private static string FormatRate(double rate) => rate >= 1000 && rate % 100 == 0
        ? (rate / 1000).ToString("0.#", CultureInfo.InvariantCulture) + "k"
        : rate.ToString("N0", CultureInfo.InvariantCulture);

    private static string SeriesName(string system, string path, int nodes) =>
        string.Equals(system, Report.Redis, StringComparison.OrdinalIgnoreCase)
            ? $"{system} {path}"
            : $"{system} {path}, {nodes} node{(nodes == 1 ? "" : "s")}";

    internal static int SystemOrder(string system) =>
        string.Equals(system, Report.ActorPresence, StringComparison.OrdinalIgnoreCase) ? 0
        : string.Equals(system, Report.Redis, StringComparison.OrdinalIgnoreCase) ? 1
        : 2;

    internal static int PathOrder(string path) => path switch
    {
        Report.LibraryPath => 0,
        Report.HttpSsePath => 1,
        Report.PubSubPath => 2,
        Report.InSitePath => 3,
        Report.CrossSitePath => 4,
        _ => 5,
    };

    private static string SetUpFont()
    {
        var file = FontFiles.FirstOrDefault(File.Exists);
        if (file is null)
        {
            Console.Error.WriteLine("Plots: DejaVu Sans not found (Debian: apt-get install fonts-dejavu-core); using the system default font.");
            if (SKTypeface.Default.GlyphCount == 0)
            {
                Console.Error.WriteLine("Plots: no system fonts either: the plots will have no text.");
            }
            return Fonts.Default;
        }
        var resolver = new FileFontResolver(FontFamily, SKData.Create(file));
        // First, so that it wins over a system font of the same name and the plots look the same everywhere.
        Fonts.FontResolvers.Insert(0, resolver);
        Fonts.Default = FontFamily;
        return FontFamily;
    }

    /// <summary>Serves one TTF file for every weight and slant of its family name.</summary>
    private sealed class FileFontResolver(string family, SKData data) : IFontResolver
    {
        public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing spacing) =>
            string.Equals(fontName, family, StringComparison.OrdinalIgnoreCase) ? SKTypeface.FromData(data) : null;

        public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic) =>
            CreateTypeface(fontName, FontWeight.Normal, FontSlant.Upright, FontSpacing.Normal);
    }
}
