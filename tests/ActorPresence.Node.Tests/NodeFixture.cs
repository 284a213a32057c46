using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using ActorPresence.Node.Api;
using ActorPresence.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace ActorPresence.Node.Tests;

/// <summary>A real node in this process: Kestrel on a free loopback port, remoting on a free port.</summary>
public sealed class TestNodeHost : IAsyncDisposable
{
    private readonly string _configFile;

    private TestNodeHost(WebApplication app, string dataDir, string configFile, Uri baseAddress)
    {
        App = app;
        DataDir = dataDir;
        _configFile = configFile;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public WebApplication App { get; }

    public string DataDir { get; }

    public Uri BaseAddress { get; }

    public HttpClient Http { get; }

    /// <summary>Starts a node from command-line style arguments (plus free ports and a fresh data directory).</summary>
    public static Task<TestNodeHost> StartAsync(string name, params string[] extraArgs) => StartAsync(name, configure: null, extraArgs);

    /// <summary>As <see cref="StartAsync(string, string[])"/>, with <paramref name="configure"/> given to
    /// <see cref="NodeApp.Build"/> (to add a log provider, say).</summary>
    public static async Task<TestNodeHost> StartAsync(string name, Action<WebApplicationBuilder>? configure, params string[] extraArgs)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "ap-node-tests", $"{name}-{Guid.NewGuid():N}");
        var config = Path.Combine(Path.GetTempPath(), "ap-node-tests", $"{name}-{Guid.NewGuid():N}.conf");
        Directory.CreateDirectory(Path.GetDirectoryName(config)!);
        await File.WriteAllTextAsync(config, ClusterHocon.InProcess);
        // Defaults for what the test does not set itself (an option may be given once only).
        string[][] defaults = [["--node-name", name], ["--port", "0"], ["--http-port", "0"], ["--data-dir", dataDir], ["--config", config]];
        string[] args = [.. defaults.Where(d => !extraArgs.Contains(d[0])).SelectMany(d => d), .. extraArgs];
        var settings = NodeSettings.Resolve(args, new Dictionary<string, string>());
        var app = NodeApp.Build(settings, configure);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestNodeHost(app, dataDir, config, new Uri(address));
    }

    /// <summary>A loopback port free at the time of asking.</summary>
    public static int FreePort() => NodeProcess.FreePort();

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await App.StopAsync(cts.Token);
        await App.DisposeAsync();
        try
        {
            File.Delete(_configFile);
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await Http.GetAsync(path);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Documents.Json);
    }
}
