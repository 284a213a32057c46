using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace ActorPresence.Benchmarks;

/// <summary>One agent process: a real ActorPresence node with the benchmark endpoints.</summary>
public sealed class AgentProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private AgentProcess(string name, Process process, int port, int httpPort)
    {
        Name = name;
        _process = process;
        Port = port;
        HttpPort = httpPort;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromMinutes(10) };
    }

    public string Name { get; }

    public int Port { get; }

    public int HttpPort { get; }

    public string Address => $"akka.trttl.tcp://actorpresence@127.0.0.1:{Port}";

    public HttpClient Http { get; }

    public int ProcessId => _process.Id;

    public static AgentProcess Start(string name, string configFile, string dataDir, string seed, int port)
    {
        var httpPort = FreePort();
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[]
                 {
                     typeof(AgentProcess).Assembly.Location, "agent", "--node-name", name, "--port", port.ToString(),
                     "--http-port", httpPort.ToString(), "--config", configFile, "--data-dir", dataDir, "--seeds", seed,
                 })
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["DOTNET_gcServer"] = "0";
        var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start an agent");
        var agent = new AgentProcess(name, process, port, httpPort);
        process.OutputDataReceived += (_, e) => agent.Append(e.Data);
        process.ErrorDataReceived += (_, e) => agent.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return agent;
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                if (_log.Length < 1_000_000)
                {
                    _log.AppendLine(line);
                }
            }
        }
    }

    public string LogTail(int lines = 20)
    {
        lock (_log)
        {
            return string.Join('\n', _log.ToString().Split('\n').TakeLast(lines));
        }
    }

    public async Task<T> GetAsync<T>(string path) =>
        (await Http.GetFromJsonAsync<T>(path, Agent.Json)) ?? throw new InvalidOperationException($"{Name}: empty answer from {path}");

    public async Task<T> PostAsync<T>(string path, object body)
    {
        using var response = await Http.PostAsJsonAsync(path, body, Agent.Json);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<T>(Agent.Json))!;
    }

    public async Task PostAsync(string path, object body)
    {
        using var response = await Http.PostAsJsonAsync(path, body, Agent.Json);
        response.EnsureSuccessStatusCode();
    }

    public async Task<int> UpMembersAsync()
    {
        try
        {
            var cluster = await GetAsync<JsonElement>("/api/v1/cluster");
            return cluster.GetProperty("members").EnumerateArray().Count(m => m.GetProperty("status").GetString() == "Up" && m.GetProperty("reachable").GetBoolean());
        }
        catch (HttpRequestException)
        {
            return 0;
        }
    }

    private bool _disposed;

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        Http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(20)).ContinueWith(_ => { }, TaskScheduler.Default);
        }
        _process.Dispose();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>Several agent processes joined into one cluster on loopback.</summary>
public sealed class AgentCluster : IAsyncDisposable
{
    private readonly List<AgentProcess> _agents = [];
    private readonly string _work;
    private readonly string _config;
    private readonly int _seedPort = AgentProcess.FreePort();

    public AgentCluster(string work, string hocon)
    {
        _work = work;
        _config = Path.Combine(work, "agent.conf");
        File.WriteAllText(_config, hocon);
    }

    public IReadOnlyList<AgentProcess> Agents => _agents;

    public AgentProcess this[int i] => _agents[i];

    private string Seed => $"akka.trttl.tcp://actorpresence@127.0.0.1:{_seedPort}";

    /// <summary>Starts an agent and waits until every agent sees all of them Up.</summary>
    public async Task<AgentProcess> AddAsync(string name, TimeSpan timeout)
    {
        var port = _agents.Count == 0 ? _seedPort : AgentProcess.FreePort();
        var agent = AgentProcess.Start(name, _config, Path.Combine(_work, name), Seed, port);
        _agents.Add(agent);
        await WaitAllUpAsync(timeout);
        return agent;
    }

    public async Task WaitAllUpAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var counts = await Task.WhenAll(_agents.Select(a => a.UpMembersAsync()));
            if (counts.All(c => c == _agents.Count))
            {
                return;
            }
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"cluster of {_agents.Count} not Up after {timeout}: sees [{string.Join(", ", counts)}]\n{_agents[^1].LogTail()}");
            }
            await Task.Delay(200);
        }
    }

    /// <summary>Blackholes (or heals) every link between two groups, on both ends.</summary>
    public async Task ThrottleAsync(IEnumerable<AgentProcess> sideA, IEnumerable<AgentProcess> sideB, bool blackhole)
    {
        var b = sideB.ToList();
        foreach (var a in sideA)
        {
            foreach (var other in b)
            {
                await a.PostAsync("/bench/throttle", new Agent.ThrottleRequest(other.Address, blackhole));
                await other.PostAsync("/bench/throttle", new Agent.ThrottleRequest(a.Address, blackhole));
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var agent in _agents)
        {
            await agent.DisposeAsync();
        }
    }
}
