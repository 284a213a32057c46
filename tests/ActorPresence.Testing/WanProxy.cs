using System.Net;
using System.Net.Sockets;

namespace ActorPresence.Testing;

/// <summary>
/// A TCP relay on loopback standing in for the internet between two sites: it forwards each
/// connection to one target and can be cut (bytes stop flowing both ways, connections stay open, no
/// reset or close reaches either end: a silent WAN failure), healed, and limited to a byte rate
/// in each direction (a slow link; the connections share it). Bounded: at most 64 connections.
/// </summary>
public sealed class WanProxy : IAsyncDisposable
{
    private const int MaxConnections = 64;

    private readonly TcpListener _listener;
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _relays = [];
    private readonly object _gate = new();
    private readonly Task _accepting;
    private volatile bool _cut;
    private readonly Budget _upstream = new();
    private readonly Budget _downstream = new();
    private long _bytesPerSecond;
    private long _bytes;

    public WanProxy(int targetPort)
    {
        _target = new IPEndPoint(IPAddress.Loopback, targetPort);
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    /// <summary>Where peers dial to reach the target through the relay.</summary>
    public int Port { get; }

    /// <summary>Bytes forwarded, both ways.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    /// <summary>Stops forwarding in both directions without closing anything.</summary>
    public void Cut() => _cut = true;

    public void Heal() => _cut = false;

    /// <summary>Limits forwarding to <paramref name="bytesPerSecond"/> each way, over all connections; 0 lifts it.</summary>
    public void LimitRate(long bytesPerSecond) => Interlocked.Exchange(ref _bytesPerSecond, bytesPerSecond);

    private async Task AcceptAsync()
    {
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                lock (_gate)
                {
                    _relays.RemoveAll(t => t.IsCompleted);
                    if (_relays.Count >= MaxConnections * 2)
                    {
                        client.Dispose();
                        continue;
                    }
                    _relays.Add(RelayAsync(client));
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using (client)
        using (var server = new TcpClient())
        {
            try
            {
                await server.ConnectAsync(_target, _stop.Token);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                return;
            }
            using var done = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            var up = PumpAsync(client.GetStream(), server.GetStream(), _upstream, done.Token);
            var down = PumpAsync(server.GetStream(), client.GetStream(), _downstream, done.Token);
            await Task.WhenAny(up, down);
            await done.CancelAsync();
            try
            {
                await Task.WhenAll(up, down);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
            {
            }
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, Budget budget, CancellationToken ct)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var read = await from.ReadAsync(buffer.AsMemory(0, await budget.AllowanceAsync(buffer.Length, Interlocked.Read(ref _bytesPerSecond), ct)), ct);
                if (read == 0)
                {
                    return;
                }
                // Cut: what arrives is held back (as a dead link would lose it) until healed; the
                // sender's own TCP keeps it, so nothing is lost once the link is back, as after a real outage.
                while (_cut && !ct.IsCancellationRequested)
                {
                    await Task.Delay(50, ct);
                }
                await to.WriteAsync(buffer.AsMemory(0, read), ct);
                Interlocked.Add(ref _bytes, read);
                budget.Charge(read);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException or SocketException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Task[] relays;
        lock (_gate)
        {
            relays = [.. _relays, _accepting];
        }
        try
        {
            await Task.WhenAll(relays).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is OperationCanceledException or TimeoutException)
        {
        }
        _stop.Dispose();
    }

    /// <summary>One direction's bytes in the current second.</summary>
    private sealed class Budget
    {
        private readonly object _gate = new();
        private DateTime _windowStart = DateTime.UtcNow;
        private long _windowBytes;

        /// <summary>How many bytes may be read now: all of a buffer without a limit; otherwise what is
        /// left of this second's budget, waiting for the next second when none is.</summary>
        public async Task<int> AllowanceAsync(int max, long rate, CancellationToken ct)
        {
            while (rate > 0)
            {
                lock (_gate)
                {
                    var now = DateTime.UtcNow;
                    if (now - _windowStart >= TimeSpan.FromSeconds(1))
                    {
                        _windowStart = now;
                        _windowBytes = 0;
                    }
                    var left = rate - _windowBytes;
                    if (left > 0)
                    {
                        return (int)Math.Min(max, left);
                    }
                }
                await Task.Delay(20, ct);
            }
            return max;
        }

        public void Charge(int bytes)
        {
            lock (_gate)
            {
                _windowBytes += bytes;
            }
        }
    }
}
