using BenchmarkDotNet.Running;

namespace ActorPresence.MicroBenchmarks;

/// <summary>
/// Micro-benchmarks of ActorPresence's hot paths. Pass BenchmarkDotNet's own arguments, e.g.
/// <c>--filter '*' --job short</c>; docs/benchmarks/micro/README.md has the command and the results.
/// </summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
