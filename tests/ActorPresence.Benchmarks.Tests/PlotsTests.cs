using ScottPlot;

namespace ActorPresence.Benchmarks.Tests;

public sealed class PlotsTests : IDisposable
{
    private static readonly byte[] _pngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private readonly string _dir = Directory.CreateTempSubdirectory("ap-plots-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Latency_and_memory_plots_are_written_as_PNG(bool quick)
    {
        var files = Plots.Write(quick ? Samples.Quick() : Samples.Full(), _dir);

        Assert.Equal([Path.Combine(_dir, "latency.png"), Path.Combine(_dir, "memory.png")], files);
        foreach (var file in files)
        {
            var bytes = File.ReadAllBytes(file);
            Assert.Equal(_pngSignature, bytes.Take(8));
            Assert.True(bytes.Length > 20_000, $"{file} is only {bytes.Length} bytes");
        }
    }

    [Fact]
    public void Empty_results_write_no_plot_and_remove_plots_of_an_earlier_run()
    {
        File.WriteAllText(Path.Combine(_dir, "latency.png"), "old");

        var files = Plots.Write(Samples.Empty(), _dir);

        Assert.Empty(files);
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public void Latency_without_samples_is_skipped_and_memory_still_drawn()
    {
        var r = Samples.Empty() with
        {
            Latency = [new("ActorPresence", "library", 3, 5_000, 0, 0, 0, new LatencySummary(0, 0, 0, 0, 0, 0, 0))],
            Memory = [new("ActorPresence", "node-1", 0, 0, 0, 0)],
        };

        var files = Plots.Write(r, _dir);

        Assert.Equal([Path.Combine(_dir, "memory.png")], files);
    }

    [Fact]
    public void Many_rates_over_several_decades_are_drawn()
    {
        int[] rates = [100, 200, 500, 1_000, 2_000, 3_000, 5_000, 7_000, 10_000, 20_000, 50_000, 100_000];
        var r = Samples.Empty() with
        {
            Latency = rates.Select(rate => Samples.Latency("ActorPresence", "library", 3, rate, 0.01 * rate / 100, rate / 100.0, rate / 10.0)).ToList(),
        };

        var files = Plots.Write(r, _dir);

        Assert.Single(files);
    }

    [Fact]
    public void Plot_text_uses_the_embedded_font()
    {
        Assert.Equal(Plots.FontFamily, Plots.Font);

        var typeface = Fonts.GetTypeface(Plots.Font, bold: false, italic: false);
        Assert.Equal("DejaVu Sans", typeface.FamilyName);
        Assert.True(typeface.ContainsGlyphs("Latency (ms) 0123456789 ≤ µ →"));
    }
}
