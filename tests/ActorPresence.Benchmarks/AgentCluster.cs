using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ActorPresence.Benchmarks;

/// <summary>One agent process: a real ActorPresence node with the benchmark endpoints. It can be
/// killed (SIGKILL) and started again under the same name, ports and data directory.</summary>
public sealed class AgentProcess : IAsyncDisposable
{
    private readonly IReadOnlyList<string> _arguments;
    private readonly StringBuilder _log = new();
    private Process _process;
    private bool _killed;
    private bool _disposed;

    private readonly string _gen0Size;

    private AgentProcess(string name, IReadOnlyList<string> arguments, int port, int httpPort, string gen0Size)
    {
        Name = name;
        _arguments = arguments;
        _gen0Size = gen0Size;
        Port = port;
        HttpPort = httpPort;
        _process = Launch();
        Client = NewClient();
    }

    public string Name { get; }

    public int Port { get; }

    public int HttpPort { get; }

    public string Address => $"akka.trttl.tcp://actorpresence@127.0.0.1:{Port}";

    /// <summary>This incarnation's HTTP client; a restart makes a new one (the old connections died with the process).</summary>
    public AgentClient Client { get; private set; }

    public Uri BaseAddress => new($"http://127.0.0.1:{HttpPort}");

    /// <summary>The nodes' gen0 budget unless a phase says otherwise: as docs/operations.md recommends (Garbage collection).</summary>
    public const string DefaultGen0Size = "0x4000000";

    public static AgentProcess Start(string name, string configFile, string dataDir, string seed, int port, IEnumerable<string>? extraArgs = null, string gen0Size = DefaultGen0Size)
    {
        var httpPort = FreePort();
        string[] arguments =
        [
            AgentBuild.Assembly, "agent", "--node-name", name, "--port", port.ToString(),
            "--http-port", httpPort.ToString(), "--config", configFile, "--data-dir", dataDir, "--seeds", seed,
            .. extraArgs ?? [],
        ];
        return new AgentProcess(name, arguments, port, httpPort, gen0Size);
    }

    private Process Launch()
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in _arguments)
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["DOTNET_gcServer"] = "0";
        // The phase's gen0 budget (docs/operations.md, Garbage collection); AP_BENCH_GEN0SIZE
        // (hexadecimal bytes, or "default" for the runtime's own) tries another for every phase.
        var gen0 = Environment.GetEnvironmentVariable("AP_BENCH_GEN0SIZE") is { Length: > 0 } size ? size : _gen0Size;
        if (gen0 != "default")
        {
            info.Environment["DOTNET_GCgen0size"] = gen0;
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start agent {Name}");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private AgentClient NewClient() =>
        new(Name, new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 16 }) { BaseAddress = BaseAddress }, ProcessState);

    /// <summary>Why this node cannot answer, when its process is gone; null while it runs.</summary>
    public string? ProcessState()
    {
        if (!_process.HasExited)
        {
            return null;
        }
        return _killed ? "was killed by the harness" : $"exited with code {_process.ExitCode}; last output: {LogTail(3).ReplaceLineEndings(" / ")}";
    }

    public bool Running => !_process.HasExited;

    /// <summary>User plus system CPU time of the running process; null when it is not running.</summary>
    public TimeSpan? CpuTime()
    {
        try
        {
            _process.Refresh();
            return _process.HasExited ? null : _process.TotalProcessorTime;
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    /// <summary>SIGKILL, as a crash or a power cut would: nothing is flushed, nothing says goodbye.</summary>
    public void Kill()
    {
        _killed = true;
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
    }

    public async Task WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{Name} (pid {_process.Id}) had not exited {timeout.TotalSeconds:0} s after SIGKILL");
        }
    }

    /// <summary>Starts the node again with the same name, ports and data directory.</summary>
    public void Restart()
    {
        if (!_process.HasExited)
        {
            throw new InvalidOperationException($"{Name} is still running");
        }
        _process.Dispose();
        Client.Dispose();
        Append($"---- {Name} restarted by the harness ----");
        _killed = false;
        _process = Launch();
        Client = NewClient();
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
            return string.Join('\n', _log.ToString().TrimEnd().Split('\n').TakeLast(lines));
        }
    }

    public Task<T> GetAsync<T>(string path, string? purpose = null, TimeSpan? timeout = null) => Client.GetAsync<T>(path, purpose, timeout);

    public Task<T> PostAsync<T>(string path, object body, string? purpose = null, TimeSpan? timeout = null) => Client.PostAsync<T>(path, body, purpose, timeout);

    public Task PostAsync(string path, object body, string? purpose = null, TimeSpan? timeout = null) => Client.PostAsync(path, body, purpose, timeout);

    public Task<int> UpMembersAsync(TimeSpan? timeout = null) => Client.UpMembersAsync(timeout);

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        Client.Dispose();
        // AP_BENCH_LOGS=<directory> keeps each agent's output (a tuning aid: node logs carry timestamps).
        if (Environment.GetEnvironmentVariable("AP_BENCH_LOGS") is { Length: > 0 } logs)
        {
            Directory.CreateDirectory(logs);
            lock (_log)
            {
                File.AppendAllText(Path.Combine(logs, $"{Name}.log"), _log.ToString());
            }
        }
        if (!_process.HasExited)
        {
            _killed = true;
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
    private readonly string _gen0Size;

    public AgentCluster(string work, string hocon, string gen0Size = AgentProcess.DefaultGen0Size)
    {
        _work = work;
        _gen0Size = gen0Size;
        _config = Path.Combine(work, "agent.conf");
        File.WriteAllText(_config, hocon);
    }

    public IReadOnlyList<AgentProcess> Agents => _agents;

    public IReadOnlyList<AgentClient> Clients => _agents.Select(a => a.Client).ToList();

    public AgentProcess this[int i] => _agents[i];

    private string Seed => $"akka.trttl.tcp://actorpresence@127.0.0.1:{_seedPort}";

    /// <summary>Starts an agent and waits until every agent sees all of them Up.</summary>
    public async Task<AgentProcess> AddAsync(string name, TimeSpan timeout, IEnumerable<string>? extraArgs = null)
    {
        var port = _agents.Count == 0 ? _seedPort : AgentProcess.FreePort();
        var agent = AgentProcess.Start(name, _config, Path.Combine(_work, name), Seed, port, extraArgs, _gen0Size);
        _agents.Add(agent);
        await WaitAllUpAsync(timeout);
        return agent;
    }

    /// <summary>Stops an agent (SIGKILL) and forgets it.</summary>
    public async Task RemoveAsync(AgentProcess agent)
    {
        _agents.Remove(agent);
        await agent.DisposeAsync();
    }

    public async Task WaitAllUpAsync(TimeSpan timeout)
    {
        var counts = Array.Empty<int>();
        var clock = Stopwatch.StartNew();
        while (true)
        {
            counts = await Task.WhenAll(_agents.Select(a => a.UpMembersAsync(TimeSpan.FromSeconds(5))));
            if (counts.All(c => c == _agents.Count))
            {
                return;
            }
            if (_agents.FirstOrDefault(a => !a.Running) is { } dead)
            {
                throw new NodeDownException($"{dead.Name} {dead.ProcessState()}");
            }
            if (clock.Elapsed > timeout)
            {
                var names = string.Join(", ", _agents.Select((a, i) => $"{a.Name} sees {counts[i]}"));
                throw new TimeoutException($"cluster of {_agents.Count} not Up after {timeout.TotalSeconds:0} s ({names}); last output of {_agents[^1].Name}: {_agents[^1].LogTail(5).ReplaceLineEndings(" / ")}");
            }
            await Task.Delay(200);
        }
    }

    /// <summary>SIGKILLs every agent at once and waits (bounded) for them to be gone.</summary>
    public async Task KillAllAsync(TimeSpan timeout)
    {
        foreach (var agent in _agents)
        {
            agent.Kill();
        }
        await Task.WhenAll(_agents.Select(a => a.WaitForExitAsync(timeout)));
    }

    /// <summary>Starts every agent again, all at once, on the same names, ports and data directories.</summary>
    public void RestartAll()
    {
        foreach (var agent in _agents)
        {
            agent.Restart();
        }
    }

    /// <summary>CPU time so far of every running agent, by name.</summary>
    public IReadOnlyDictionary<string, TimeSpan> CpuTimes() =>
        _agents.Select(a => (a.Name, Cpu: a.CpuTime())).Where(a => a.Cpu is not null).ToDictionary(a => a.Name, a => a.Cpu!.Value);

    /// <summary>CPU seconds the agents used since <paramref name="before"/>, counting only agents that ran throughout.</summary>
    public double CpuSecondsSince(IReadOnlyDictionary<string, TimeSpan> before) =>
        CpuTimes().Where(now => before.ContainsKey(now.Key)).Sum(now => (now.Value - before[now.Key]).TotalSeconds);

    /// <summary>Blackholes (or heals) every link between two groups, on both ends.</summary>
    public async Task ThrottleAsync(IEnumerable<AgentProcess> sideA, IEnumerable<AgentProcess> sideB, bool blackhole)
    {
        var b = sideB.ToList();
        foreach (var a in sideA)
        {
            foreach (var other in b)
            {
                var purpose = blackhole ? "the partition" : "the heal";
                await a.PostAsync("/bench/throttle", new Agent.ThrottleRequest(other.Address, blackhole), purpose);
                await other.PostAsync("/bench/throttle", new Agent.ThrottleRequest(a.Address, blackhole), purpose);
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
