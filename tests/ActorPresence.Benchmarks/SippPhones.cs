using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace ActorPresence.Benchmarks;

/// <summary>sipp as the benchmark's phones: one process, every subscription a call, a message trace of what it received.</summary>
internal sealed class SippPhones : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private SippPhones(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public static SippPhones Start(string scenario, string target, int calls, int callRate, string trace, string dir)
    {
        var info = new ProcessStartInfo("sipp") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir };
        string[] args =
        [
            "-sf", scenario, target, "-i", "127.0.0.1", "-p", LocalPort(target).ToString(CultureInfo.InvariantCulture), "-t", "u1",
            "-m", calls.ToString(CultureInfo.InvariantCulture), "-l", calls.ToString(CultureInfo.InvariantCulture),
            "-r", callRate.ToString(CultureInfo.InvariantCulture), "-nostdin", "-timeout", "900s", "-bind_local",
            // Socket buffers as large as the kernel allows (sipp's default is 64 KiB), and no call aborted
            // for a late 200: see the scenario.
            "-buff_size", "4194304", "-default_behaviors", "all,-abortunexp",
            "-trace_msg", "-message_file", trace, "-trace_err", "-error_file", Path.Combine(dir, "sipp-errors.log"),
        ];
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        try
        {
            return new SippPhones(Process.Start(info) ?? throw new InvalidOperationException("sipp did not start"));
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("sipp is not installed (Debian package sip-tester; tests/install-prerequisites.sh installs it)", e);
        }
    }

    /// <summary>A free port for sipp's own socket, never the edge's (a port just freed can be handed out again).</summary>
    private static int LocalPort(string target)
    {
        var edge = int.Parse(target[(target.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);
        while (true)
        {
            var port = AgentProcess.FreePort();
            if (port != edge)
            {
                return port;
            }
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                if (_output.Length < 64 * 1024)
                {
                    _output.AppendLine(line);
                }
            }
        }
    }

    public string Tail()
    {
        lock (_output)
        {
            var text = _output.ToString();
            return $"sipp {(_process.HasExited ? $"exited {_process.ExitCode}" : "running")}: {(text.Length > 1_000 ? text[^1_000..] : text)}";
        }
    }

    /// <summary>Stops sipp (its trace is written as it goes).</summary>
    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
    }
}
