using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace ActorPresence.Testing;

/// <summary>
/// A private ejabberd (Debian's package), on a loopback port of its own, with its own configuration,
/// spool, logs and certificate: STARTTLS required, registration and s2s off, flat pubsub nodes that keep
/// no items (docs/xmpp.md explains the configuration). Accounts are made with ejabberdctl.
/// </summary>
public sealed class Ejabberd : IAsyncDisposable
{
    public const string Domain = "localhost";

    private readonly string _dir;
    private readonly string _node;

    private Ejabberd(string dir, string node, int port, string caPem)
    {
        _dir = dir;
        _node = node;
        Port = port;
        CaPem = caPem;
    }

    public int Port { get; }

    /// <summary>The CA the server's certificate chains to, PEM.</summary>
    public string CaPem { get; }

    public static async Task<Ejabberd> StartAsync(int maxStanzaBytes = 1_048_576)
    {
        var dir = Directory.CreateTempSubdirectory("ap-ejabberd-").FullName;
        var conf = Directory.CreateDirectory(Path.Combine(dir, "conf")).FullName;
        Directory.CreateDirectory(Path.Combine(dir, "spool"));
        Directory.CreateDirectory(Path.Combine(dir, "logs"));
        using var ca = new TestCertificates("XMPP test CA", dir);
        var caPem = ca.WriteCaPem();
        using (var certificate = ca.Issue(Domain))
        {
            await File.WriteAllTextAsync(Path.Combine(conf, "server.pem"),
                certificate.ExportCertificatePem() + "\n" + certificate.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem() + "\n");
        }
        var port = NodeProcess.FreePort();
        var config = (await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Xmpp", "ejabberd.yml")))
            .Replace("@PORT@", port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("@CERTFILE@", Path.Combine(conf, "server.pem"), StringComparison.Ordinal)
            .Replace("@MAX_STANZA@", maxStanzaBytes.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(conf, "ejabberd.yml"), config);
        await File.WriteAllTextAsync(Path.Combine(conf, "ejabberdctl.cfg"), "");
        File.Copy("/etc/ejabberd/inetrc", Path.Combine(conf, "inetrc"));
        // ejabberdctl runs the server as the ejabberd user: everything it reads and writes is that user's.
        await RunAsync("chown", ["-R", "ejabberd:ejabberd", dir]);
        var server = new Ejabberd(dir, $"ap{Environment.ProcessId}x{port}@localhost", port, caPem);
        await server.CtlAsync("start");
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if ((await server.CtlAsync(["status"], check: false)).ExitCode == 0 && await IsListeningAsync(port))
            {
                break;
            }
            if (deadline.Elapsed > TimeSpan.FromSeconds(30))
            {
                throw new InvalidOperationException($"ejabberd did not start within 30 s:\n{server.LogTail()}");
            }
            await Task.Delay(200);
        }
        return server;
    }

    public Task RegisterAsync(string user, string password) => CtlAsync("register", user, Domain, password);

    /// <summary>Ends every session of an account (the server closes its stream, as an operator's kick does).</summary>
    public Task KickAsync(string user) => CtlAsync("kick_user", user, Domain);

    public string LogTail(int lines = 30)
    {
        var path = Path.Combine(_dir, "logs", "ejabberd.log");
        return File.Exists(path) ? string.Join('\n', File.ReadLines(path).TakeLast(lines)) : "(no ejabberd.log)";
    }

    private Task CtlAsync(params string[] args) => CtlAsync(args, check: true);

    private async Task<(int ExitCode, string Output)> CtlAsync(string[] args, bool check)
    {
        string[] common = ["--config-dir", Path.Combine(_dir, "conf"), "--spool", Path.Combine(_dir, "spool"), "--logs", Path.Combine(_dir, "logs"), "--node", _node];
        return await RunAsync("ejabberdctl", [.. common, .. args], check);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, string[] args, bool check = true)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        var text = await output + await error;
        if (check && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} exited with {process.ExitCode}: {text}");
        }
        return (process.ExitCode, text);
    }

    private static async Task<bool> IsListeningAsync(int port)
    {
        using var probe = new TcpClient();
        try
        {
            await probe.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await CtlAsync(["stop"], check: false);
            await CtlAsync(["stopped"], check: false);
        }
        finally
        {
            try
            {
                Directory.Delete(_dir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}

/// <summary>
/// The stand-in for an Asterisk server (asterisk_standin.py on python3-slixmpp): it publishes with
/// res_xmpp's stanzas and reports every pubsub item it receives as one JSON line.
/// </summary>
public sealed class AsteriskStandIn : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = [];
    private readonly List<JsonElement> _items = [];

    private AsteriskStandIn(Process process, string eid)
    {
        _process = process;
        Eid = eid;
        process.OutputDataReceived += (_, e) => Take(e.Data);
        process.ErrorDataReceived += (_, e) => Take(e.Data is null ? null : "stderr " + e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Eid { get; }

    public static AsteriskStandIn Start(Ejabberd server, string user, string password, string eid)
    {
        var info = new ProcessStartInfo("/usr/bin/python3")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "Xmpp", "asterisk_standin.py"), $"{user}@{Ejabberd.Domain}", password,
            $"pubsub.{Ejabberd.Domain}", eid, "127.0.0.1", server.Port.ToString(CultureInfo.InvariantCulture), server.CaPem,
        })
        {
            info.ArgumentList.Add(arg);
        }
        return new AsteriskStandIn(Process.Start(info)!, eid);
    }

    private void Take(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_lines)
        {
            _lines.Add(line);
            if (line.StartsWith("item ", StringComparison.Ordinal))
            {
                _items.Add(JsonDocument.Parse(line[5..]).RootElement.Clone());
            }
        }
    }

    public string Output
    {
        get
        {
            lock (_lines)
            {
                return string.Join('\n', _lines);
            }
        }
    }

    /// <summary>Every item received so far.</summary>
    public IReadOnlyList<JsonElement> Items
    {
        get
        {
            lock (_lines)
            {
                return _items.ToList();
            }
        }
    }

    /// <summary>The number of lines that start with <paramref name="prefix"/>.</summary>
    public int Count(string prefix)
    {
        lock (_lines)
        {
            return _lines.Count(l => l.StartsWith(prefix, StringComparison.Ordinal));
        }
    }

    public async Task SendAsync(string command)
    {
        await _process.StandardInput.WriteLineAsync(command);
        await _process.StandardInput.FlushAsync();
    }

    public Task DeviceStateAsync(string device, string state, int cachable = 1) => SendAsync($"devstate {device} {state} {cachable}");

    public Task MwiAsync(string mailbox, int @new, int old) => SendAsync($"mwi {mailbox} {@new} {old}");

    public Task RawItemAsync(string node, string id, string payload) => SendAsync($"item {node} {id} {payload}");

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                await SendAsync("quit");
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _process.WaitForExitAsync(timeout.Token);
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or InvalidOperationException)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }
}
