using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ActorPresence.Node.Tests.Sip;

/// <summary>
/// Debian's sipp (package sip-tester), run on one of the XML scenarios in Sip/Scenarios: it sends and
/// expects SIP messages as the scenario says and checks the bodies with its regular expressions.
/// Exit code 0 means every step passed.
/// </summary>
public sealed partial class Sipp : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dir;
    private readonly ProgramOutput _output;

    private Sipp(Process process, string dir)
    {
        _process = process;
        _dir = dir;
        _output = new ProgramOutput(process);
    }

    public static string ScenarioPath(string name) => Path.Combine(AppContext.BaseDirectory, "Sip", "Scenarios", name);

    /// <summary>Starts sipp as a client of <paramref name="target"/> (<c>host:port</c>), <paramref name="calls"/> calls of the scenario.</summary>
    /// <param name="service">The user part the scenario's [service] stands for.</param>
    /// <param name="tcp">TCP (one connection) instead of UDP.</param>
    public static Sipp Client(string scenario, string target, string service = "1000", bool tcp = false, int calls = 1, params string[] extra) =>
        Start(scenario, [target, "-s", service, "-m", calls.ToString(CultureInfo.InvariantCulture), "-t", tcp ? "t1" : "u1", .. extra]);

    /// <summary>Starts sipp as a server (UAS) on <paramref name="port"/>, ending after <paramref name="calls"/> calls.</summary>
    public static Sipp Server(string scenario, int port, int calls, params string[] extra) =>
        Start(scenario, ["-p", port.ToString(CultureInfo.InvariantCulture), "-m", calls.ToString(CultureInfo.InvariantCulture), "-t", "u1", .. extra]);

    private static Sipp Start(string scenario, string[] args)
    {
        var dir = Path.Combine(Path.GetTempPath(), "ap-sipp", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var info = new ProcessStartInfo("sipp")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = dir,
        };
        string[] common = ["-sf", ScenarioPath(scenario), "-i", "127.0.0.1", "-nostdin", "-timeout", "60s",
            "-trace_err", "-error_file", Path.Combine(dir, "errors.log"), "-trace_msg", "-message_file", Path.Combine(dir, "messages.log")];
        foreach (var arg in common.Concat(args))
        {
            info.ArgumentList.Add(arg);
        }
        if (!args.Contains("-p"))
        {
            info.ArgumentList.Add("-p");
            info.ArgumentList.Add(TestNodeHost.FreePort().ToString(CultureInfo.InvariantCulture));
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException("sipp did not start");
        return new Sipp(process, dir);
    }

    /// <summary>Waits for sipp to finish (at most <paramref name="within"/>) and asserts that every step of the scenario passed.</summary>
    public async Task AssertPassesAsync(TimeSpan within)
    {
        using var timeout = new CancellationTokenSource(within);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            Assert.Fail($"sipp did not finish within {within}:\n{Report()}");
        }
        if (_process.ExitCode != 0)
        {
            Assert.Fail($"sipp exited with {_process.ExitCode}:\n{Report()}");
        }
    }

    /// <summary>What sipp saw: its errors and the tail of its message trace.</summary>
    public string Report()
    {
        static string Read(string path) => File.Exists(path) ? File.ReadAllText(path) : "(none)";
        var messages = Read(Path.Combine(_dir, "messages.log"));
        if (messages.Length > 6000)
        {
            messages = "…" + messages[^6000..];
        }
        return $"errors:\n{Read(Path.Combine(_dir, "errors.log"))}\nmessages:\n{messages}\noutput:\n{_output.Text}";
    }

    /// <summary>The messages sipp received and sent, as it traced them.</summary>
    public string Messages()
    {
        var path = Path.Combine(_dir, "messages.log");
        return File.Exists(path) ? File.ReadAllText(path) : "";
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [GeneratedRegex(@"\x1b\[[0-9;]*[A-Za-z]")]
    internal static partial Regex NoColour();
}

/// <summary>
/// Debian's baresip, headless: a softphone with an account on the node's SIP edge (it registers, then
/// subscribes to its own message-summary) and one contact whose presence it subscribes to. What it
/// received is read from its console output (its menu module prints MWI bodies and presence changes).
/// </summary>
public sealed class Baresip : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dir;
    private readonly ProgramOutput _output;

    private Baresip(Process process, string dir)
    {
        _process = process;
        _dir = dir;
        _output = new ProgramOutput(process);
    }

    /// <summary>Starts baresip as <paramref name="user"/> (password <paramref name="password"/>) of the edge at
    /// <paramref name="edgePort"/>, watching the presence of <paramref name="contact"/>.</summary>
    public static Baresip Start(int edgePort, string user, string password, string contact)
    {
        var dir = Path.Combine(Path.GetTempPath(), "ap-baresip", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var port = TestNodeHost.FreePort();
        var ctrl = TestNodeHost.FreePort();
        File.WriteAllText(Path.Combine(dir, "config"), $"""
            poll_method		epoll
            sip_listen		127.0.0.1:{port}
            audio_player		aubridge,nil
            audio_source		ausine,440
            audio_alert		aubridge,nil
            module_path		/usr/lib/baresip/modules
            module			g711.so
            module			ausine.so
            module			aubridge.so
            module_tmp		account.so
            module_app		contact.so
            module_app		menu.so
            module_app		mwi.so
            module_app		presence.so
            module_app		ctrl_tcp.so
            ctrl_tcp_listen		127.0.0.1:{ctrl}

            """);
        File.WriteAllText(Path.Combine(dir, "accounts"), $"<sip:{user}@127.0.0.1:{edgePort};transport=udp>;auth_pass={password};regint=600\n");
        File.WriteAllText(Path.Combine(dir, "contacts"), $"\"Watched {contact}\" <sip:{contact}@127.0.0.1:{edgePort}>;presence=p2p\n");
        var info = new ProcessStartInfo("baresip")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = dir,
        };
        // -t: baresip quits by itself after this long, should the test never stop it.
        foreach (var arg in (string[])["-f", dir, "-t", "120"])
        {
            info.ArgumentList.Add(arg);
        }
        var process = Process.Start(info) ?? throw new InvalidOperationException("baresip did not start");
        return new Baresip(process, dir);
    }

    /// <summary>Everything baresip printed so far, colour codes removed.</summary>
    public string Output => _output.Text;

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // SIGTERM ends its subscriptions and registration; a second one ends it at once.
            Signal();
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            try
            {
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void Signal()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]) { UseShellExecute = false });
        kill?.WaitForExit(2000);
    }
}

/// <summary>What a program writes on its standard output and error, line by line as it comes, colour codes removed.</summary>
internal sealed class ProgramOutput
{
    private readonly StringBuilder _text = new();

    public ProgramOutput(Process process)
    {
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Text
    {
        get
        {
            lock (_text)
            {
                return _text.ToString();
            }
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_text)
            {
                _text.AppendLine(Sipp.NoColour().Replace(line, ""));
            }
        }
    }
}
