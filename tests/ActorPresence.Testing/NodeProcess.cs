using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ActorPresence.Testing;

/// <summary>How to start one node process.</summary>
/// <param name="Name">The node name (<c>--node-name</c>).</param>
/// <param name="DataDir">Its data directory; a restart with the same one finds its durable state.</param>
/// <param name="Hostname">Address remoting binds to and advertises.</param>
/// <param name="Port">Remoting port.</param>
/// <param name="HttpHostname">Address the HTTP API binds to.</param>
/// <param name="HttpPort">HTTP port.</param>
/// <param name="Seeds">Seed addresses (<c>akka.tcp://…</c>).</param>
/// <param name="ConfigFile">A HOCON file laid over the defaults, or null.</param>
/// <param name="Namespace">A network namespace to run it in (<c>ip netns exec</c>), or null for this one.</param>
public sealed record NodeLaunch(
    string Name,
    string DataDir,
    string Hostname,
    int Port,
    string HttpHostname,
    int HttpPort,
    IReadOnlyList<string> Seeds,
    string? ConfigFile = null,
    string? Namespace = null)
{
    public string RemotingAddress => $"akka.tcp://actorpresence@{Hostname}:{Port}";

    public Uri HttpAddress => new($"http://{HttpHostname}:{HttpPort}");
}

/// <summary>A running node as tests see it: its name and its HTTP API.</summary>
public interface IClusterNode
{
    string Name { get; }

    NodeClient Api { get; }
}

/// <summary>
/// A node process (<c>dotnet ActorPresence.Node.dll</c>), its output kept for a failure report, its
/// HTTP API at hand. Disposing kills it.
/// </summary>
public sealed class NodeProcess : IClusterNode, IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private NodeProcess(NodeLaunch launch, Process process)
    {
        Launch = launch;
        _process = process;
        Api = new NodeClient(launch.HttpAddress);
    }

    public NodeLaunch Launch { get; }

    public string Name => Launch.Name;

    public NodeClient Api { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public static NodeProcess Start(NodeLaunch launch)
    {
        var args = new List<string>
        {
            "--node-name", launch.Name, "--data-dir", launch.DataDir,
            "--hostname", launch.Hostname, "--port", launch.Port.ToString(),
            "--http-hostname", launch.HttpHostname, "--http-port", launch.HttpPort.ToString(),
        };
        if (launch.Seeds.Count > 0)
        {
            args.AddRange(["--seeds", string.Join(',', launch.Seeds)]);
        }
        if (launch.ConfigFile is not null)
        {
            args.AddRange(["--config", launch.ConfigFile]);
        }
        return Start(launch, args);
    }

    /// <summary>Starts a node with exactly <paramref name="args"/> (as an operator would type them);
    /// <paramref name="launch"/> only names it and says where its HTTP API and namespace are.</summary>
    public static NodeProcess Start(NodeLaunch launch, IEnumerable<string> args)
    {
        var info = launch.Namespace is null ? new ProcessStartInfo("dotnet") : new ProcessStartInfo("ip");
        if (launch.Namespace is not null)
        {
            // `ip netns exec` execs the command: the process id is the node's own.
            foreach (var arg in new[] { "netns", "exec", launch.Namespace, "dotnet" })
            {
                info.ArgumentList.Add(arg);
            }
        }
        info.ArgumentList.Add(Repo.Built("ActorPresence.Node"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.Environment["DOTNET_gcServer"] = "0";
        var process = Process.Start(info) ?? throw new InvalidOperationException($"cannot start node {launch.Name}");
        var node = new NodeProcess(launch, process);
        process.OutputDataReceived += (_, e) => node.Append(e.Data);
        process.ErrorDataReceived += (_, e) => node.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_log)
        {
            // Bounded: a long soak keeps the last megabyte or so.
            if (_log.Length > 2_000_000)
            {
                _log.Remove(0, 1_000_000);
            }
            _log.AppendLine(line);
        }
    }

    public string LogTail(int lines = 20)
    {
        lock (_log)
        {
            return string.Join('\n', _log.ToString().TrimEnd().Split('\n').TakeLast(lines));
        }
    }

    /// <summary>Resident set size, from <c>/proc/PID/status</c>.</summary>
    public long ResidentBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0]) * 1024;
            }
        }
        throw new InvalidOperationException($"no VmRSS for process {_process.Id}");
    }

    /// <summary>SIGKILL: no leaving, no flushing, no goodbye.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.WaitForExit(10_000);
    }

    /// <summary>SIGTERM, as a service manager stops a node; returns the exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()]))
        {
            await kill.WaitForExitAsync();
        }
        return await WaitForExitAsync(timeout);
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public void Dispose()
    {
        Kill();
        Api.Dispose();
        _process.Dispose();
    }

    private static readonly HashSet<int> Handed = [];
    private static readonly Random Pick = new();

    /// <summary>
    /// A port free on loopback for TCP and UDP right now, never handed out before in this process, and
    /// below the kernel's ephemeral range: a socket bound to port 0 later (a proxy, a client) cannot be
    /// given it before the node it was picked for binds it. (A port 0 pick was once handed to a node's
    /// federation port and, before that node started, to a WAN proxy.)
    /// </summary>
    public static int FreePort()
    {
        var (low, high) = PickRange;
        lock (Handed)
        {
            for (var attempt = 0; attempt < 2_000; attempt++)
            {
                var port = Pick.Next(low, high);
                if (!Handed.Contains(port) && Bindable(port))
                {
                    Handed.Add(port);
                    return port;
                }
            }
        }
        throw new InvalidOperationException($"no free port in {low}–{high}");
    }

    /// <summary>The 12,000 ports below the ephemeral range (/proc/sys/net/ipv4/ip_local_port_range; 32768 by default).</summary>
    private static (int Low, int High) PickRange
    {
        get
        {
            var ephemeralLow = 32_768;
            try
            {
                var text = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range").Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
                ephemeralLow = int.Parse(text[0], System.Globalization.CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
            }
            var high = Math.Max(ephemeralLow, 2_048);
            return (Math.Max(1_024, high - 12_000), high);
        }
    }

    private static bool Bindable(int port)
    {
        try
        {
            using var tcp = new TcpListener(IPAddress.Loopback, port);
            tcp.Start();
            using var udp = new UdpClient(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
