using System.Diagnostics;
using System.Text.RegularExpressions;

namespace ActorPresence.Testing;

/// <summary>
/// A private network of Linux network namespaces for partition tests. Each node gets a namespace
/// with two links:
/// <list type="bullet">
/// <item>a cluster link, a veth pair into a bridge in a hub namespace (10.213.R.N/24): the only
/// path between nodes; cutting it partitions the node from the others;</item>
/// <item>a control link, a veth pair to this (the test's) namespace (10.214.R.4N+1 here,
/// 10.214.R.4N+2 there), which carries the test's HTTP calls and is never cut.</item>
/// </list>
/// R is per lab, so labs of concurrent runs do not collide. Needs root (CAP_NET_ADMIN) and
/// <c>ip</c>; <see cref="Probe"/> says whether this machine has them. Disposing deletes everything
/// the lab created.
/// </summary>
public sealed class NetworkLab : IDisposable
{
    private readonly string _id;
    private readonly int _subnet;
    private readonly List<string> _namespaces = [];
    private readonly List<string> _hostLinks = [];

    private readonly IReadOnlyDictionary<string, string> _sysctls;

    private NetworkLab(string id, int subnet, IReadOnlyDictionary<string, string> sysctls)
    {
        _id = id;
        _subnet = subnet;
        _sysctls = sysctls;
    }

    /// <summary>
    /// The TCP settings docs/operations.md recommends for a node's host: retransmissions at least
    /// once a second, so a connection that lived through a partition carries data again within a
    /// second of the link's return (the kernel's default backoff leaves it silent for seconds);
    /// and enough retries that such a connection still outlives a partition the split-brain
    /// resolver lets heal (about 2 minutes at one retry a second).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> HealingTcp = new Dictionary<string, string>
    {
        ["net.ipv4.tcp_rto_max_ms"] = "1000",
        ["net.ipv4.tcp_retries2"] = "120",
    };

    /// <summary>Whether this kernel has a setting (<c>net.ipv4.tcp_rto_max_ms</c> needs Linux 6.15).</summary>
    public static bool HasSysctl(string key) => File.Exists("/proc/sys/" + key.Replace('.', '/'));

    public string Hub => $"ap{_id}h";

    /// <summary>Null when namespaces can be used here; otherwise why not.</summary>
    public static string? Probe()
    {
        // Lets the fallback be run on a machine that has namespaces.
        if (Environment.GetEnvironmentVariable("ACTORPRESENCE_TEST_NO_NETNS") == "1")
        {
            return "turned off by ACTORPRESENCE_TEST_NO_NETNS=1";
        }
        var name = $"ap{Environment.ProcessId % 100000}p";
        var (code, output) = Run("ip", "netns", "add", name);
        if (code != 0)
        {
            return $"`ip netns add` failed ({code}): {output.Trim()}";
        }
        var (up, upOutput) = Run("ip", "netns", "exec", name, "ip", "link", "set", "lo", "up");
        Run("ip", "netns", "del", name);
        return up == 0 ? null : $"`ip netns exec` failed ({up}): {upOutput.Trim()}";
    }

    /// <summary>Creates the hub and one namespace per node, every link up.</summary>
    /// <param name="nodes">How many nodes.</param>
    /// <param name="sysctls">Kernel settings made in each node's namespace (its host's settings), none when null.</param>
    public static NetworkLab Create(int nodes, IReadOnlyDictionary<string, string>? sysctls = null)
    {
        var id = Random.Shared.Next(0x1000, 0xffff).ToString("x4");
        var lab = new NetworkLab(id, Random.Shared.Next(1, 255), sysctls ?? new Dictionary<string, string>());
        try
        {
            lab.Ip("netns", "add", lab.Hub);
            lab._namespaces.Add(lab.Hub);
            lab.Ip("-n", lab.Hub, "link", "add", "br0", "type", "bridge");
            lab.Ip("-n", lab.Hub, "link", "set", "br0", "up");
            for (var n = 1; n <= nodes; n++)
            {
                lab.AddNode(n);
            }
            return lab;
        }
        catch
        {
            lab.Dispose();
            throw;
        }
    }

    public string Namespace(int n) => $"ap{_id}n{n}";

    /// <summary>The node's address on the cluster network (remoting binds here).</summary>
    public string ClusterAddress(int n) => $"10.213.{_subnet}.{n}";

    /// <summary>The node's address on its control link (HTTP binds here).</summary>
    public string ControlAddress(int n) => $"10.214.{_subnet}.{4 * n + 2}";

    private string HubPort(int n) => $"c{n}";

    private void AddNode(int n)
    {
        var ns = Namespace(n);
        Ip("netns", "add", ns);
        _namespaces.Add(ns);
        Ip("-n", ns, "link", "set", "lo", "up");
        foreach (var (key, value) in _sysctls)
        {
            Ip("netns", "exec", ns, "sysctl", "-qw", $"{key}={value}");
        }

        // Cluster link: eth0 in the node, c<n> on the hub's bridge.
        Ip("-n", ns, "link", "add", "eth0", "type", "veth", "peer", "name", HubPort(n), "netns", Hub);
        Ip("-n", ns, "addr", "add", $"{ClusterAddress(n)}/24", "dev", "eth0");
        Ip("-n", ns, "link", "set", "eth0", "up");
        Ip("-n", Hub, "link", "set", HubPort(n), "master", "br0");
        Ip("-n", Hub, "link", "set", HubPort(n), "up");

        // Control link: ap<id>k<n> here, ctl0 in the node.
        var host = $"ap{_id}k{n}";
        Ip("link", "add", host, "type", "veth", "peer", "name", "ctl0", "netns", ns);
        _hostLinks.Add(host);
        Ip("addr", "add", $"10.214.{_subnet}.{4 * n + 1}/30", "dev", host);
        Ip("link", "set", host, "up");
        Ip("-n", ns, "addr", "add", $"{ControlAddress(n)}/30", "dev", "ctl0");
        Ip("-n", ns, "link", "set", "ctl0", "up");
    }

    /// <summary>Cuts node n's cluster link: nothing reaches it from the other nodes, nothing leaves it.</summary>
    public void Cut(int n) => Ip("-n", Hub, "link", "set", HubPort(n), "down");

    /// <summary>Restores node n's cluster link.</summary>
    public void Restore(int n) => Ip("-n", Hub, "link", "set", HubPort(n), "up");

    /// <summary>Node n's TCP connections to or from <paramref name="port"/> that wait on a
    /// retransmission timer, as <c>ss -tnio</c> shows them (backoff, rto, time to the next try).</summary>
    public IReadOnlyList<string> Retransmitting(int n, int port)
    {
        var (_, output) = Run("ip", "netns", "exec", Namespace(n), "ss", "-tnio", "state", "established", $"( sport = :{port} or dport = :{port} )");
        var lines = output.Split('\n');
        // ss prints each connection on two lines: addresses (with the timer), then its TCP details.
        return lines.Zip(lines.Skip(1))
            .Select(pair => (Addresses: pair.First.Split(' ', StringSplitOptions.RemoveEmptyEntries), Timer: Regex.Match(pair.First, @"timer:\(on,([^,]+),"), Details: pair.Second))
            .Where(c => c.Timer.Success && c.Addresses.Length >= 4)
            .Select(c => $"{c.Addresses[2]} -> {c.Addresses[3]}: next retransmission in {SsTimer(c.Timer.Groups[1].Value).TotalSeconds:F2} s, " +
                         $"rto {Regex.Match(c.Details, @"\brto:(\d+)").Groups[1].Value} ms, backoff {Regex.Match(c.Details, @"\bbackoff:(\d+)").Groups[1].Value}")
            .ToList();
    }

    // ss writes a timer as [Mmin][S(.|sec)][MMMms]: "5.824ms" is 5.824 s, "092ms" 92 ms, "12sec" 12 s.
    private static TimeSpan SsTimer(string text)
    {
        var m = Regex.Match(text, @"^(?:(\d+)min)?(?:(\d+)(?:\.|sec))?(?:(\d+)ms)?$");
        int Part(int group) => m.Groups[group].Success ? int.Parse(m.Groups[group].Value) : 0;
        return m.Success ? new TimeSpan(0, 0, Part(1), Part(2), Part(3)) : TimeSpan.Zero;
    }

    private void Ip(params string[] args)
    {
        var (code, output) = Run("ip", args);
        if (code != 0)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', args)} failed ({code}): {output.Trim()}");
        }
    }

    private static (int Code, string Output) Run(string file, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        try
        {
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, stdout.Result + stderr);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }

    public void Dispose()
    {
        // Deleting a namespace deletes the veth ends inside it, and with them their peers here.
        foreach (var host in _hostLinks)
        {
            Run("ip", "link", "del", host);
        }
        foreach (var ns in Enumerable.Reverse(_namespaces))
        {
            Run("ip", "netns", "del", ns);
        }
    }
}
