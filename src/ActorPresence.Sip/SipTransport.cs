using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace ActorPresence.Sip;

/// <summary>Where a message came from and how an answer goes back: a UDP source, or a TCP connection.</summary>
public abstract class SipFlow(IPEndPoint remote)
{
    public IPEndPoint Remote { get; } = remote;

    /// <summary>"UDP" or "TCP", as Via writes it.</summary>
    public abstract string Transport { get; }

    public bool IsReliable => Transport == "TCP";

    public override string ToString() => $"{Transport.ToLowerInvariant()}:{Remote}";
}

internal sealed class UdpFlow(IPEndPoint remote) : SipFlow(remote)
{
    public override string Transport => "UDP";
}

/// <summary>
/// The edge's sockets: one UDP socket and one TCP listener on the same address and port. Every message
/// received is parsed and handed to the handler on the receiving thread; the handler must not block.
/// TCP connections are limited in number, closed when idle, and reused to send to the same address.
/// </summary>
internal sealed class SipTransport : IAsyncDisposable
{
    /// <summary>RFC 3261 18.1.1: a request larger than the path MTU less 200 bytes goes over TCP.</summary>
    public const int UdpRequestLimit = 1300;

    private readonly SipSettings _settings;
    private readonly ILogger _log;
    private readonly Action<SipParseResult, SipFlow> _handler;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<IPEndPoint, TcpFlow> _connections = new();
    private readonly List<Task> _loops = [];
    private Socket? _udp;
    private TcpListener? _tcp;

    public SipTransport(SipSettings settings, ILogger log, Action<SipParseResult, SipFlow> handler)
    {
        _settings = settings;
        _log = log;
        _handler = handler;
    }

    public IPEndPoint LocalEndPoint { get; private set; } = new(IPAddress.Loopback, 0);

    public Action<SipFlow, string>? Dropped { get; set; }

    public void Start()
    {
        var address = IPAddress.Parse(_settings.Hostname);
        _udp = new Socket(address.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            _udp.DualMode = address.Equals(IPAddress.IPv6Any);
        }
        _udp.ReceiveBufferSize = 4 * 1024 * 1024;
        _udp.Bind(new IPEndPoint(address, _settings.Port));
        var bound = (IPEndPoint)_udp.LocalEndPoint!;
        _tcp = new TcpListener(address, bound.Port);
        _tcp.Start(512);
        LocalEndPoint = bound;
        _loops.Add(Task.Run(UdpLoopAsync));
        _loops.Add(Task.Run(AcceptLoopAsync));
    }

    public int TcpConnections => _connections.Count;

    /// <summary>Sends on the flow. A request on a TCP connection that has closed goes on a new connection to the
    /// same address. The flow it went on, or null when it could not be sent.</summary>
    public async Task<SipFlow?> SendAsync(SipFlow flow, byte[] bytes, bool isRequest)
    {
        try
        {
            if (flow is TcpFlow tcp)
            {
                if (await tcp.WriteAsync(bytes))
                {
                    return tcp;
                }
                return isRequest && await ConnectAsync(flow.Remote) is TcpFlow fresh && await fresh.WriteAsync(bytes) ? fresh : null;
            }
            await _udp!.SendToAsync(bytes, SocketFlags.None, flow.Remote);
            return flow;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or IOException)
        {
            _log.LogDebug("SIP: sending to {Flow} failed: {Error}", flow, e.Message);
            return null;
        }
    }

    /// <summary>A TCP flow to <paramref name="remote"/>: the open connection, or a new one.</summary>
    public async Task<SipFlow?> ConnectAsync(IPEndPoint remote)
    {
        if (_connections.TryGetValue(remote, out var existing) && existing.IsOpen)
        {
            return existing;
        }
        if (_connections.Count >= _settings.MaxTcpConnections)
        {
            return null;
        }
        var client = new TcpClient(remote.AddressFamily);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            await client.ConnectAsync(remote, timeout.Token);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            client.Dispose();
            _log.LogDebug("SIP: TCP connection to {Remote} failed: {Error}", remote, e.Message);
            return null;
        }
        var flow = new TcpFlow(remote, client);
        _connections[remote] = flow;
        _ = Task.Run(() => ReadLoopAsync(flow));
        return flow;
    }

    private async Task UdpLoopAsync()
    {
        var buffer = GC.AllocateUninitializedArray<byte>(65_536, pinned: true);
        var any = new IPEndPoint(_udp!.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            SocketReceiveFromResult received;
            try
            {
                received = await _udp.ReceiveFromAsync(buffer, SocketFlags.None, any, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                // An ICMP port-unreachable from an earlier send surfaces here on some systems: not fatal.
                _log.LogDebug("SIP: UDP receive: {Error}", e.Message);
                continue;
            }
            var flow = new UdpFlow((IPEndPoint)received.RemoteEndPoint);
            Deliver(buffer.AsSpan(0, received.ReceivedBytes), flow);
        }
    }

    private void Deliver(ReadOnlySpan<byte> data, SipFlow flow)
    {
        SipParseResult result;
        try
        {
            result = SipParser.Parse(data);
        }
        catch (Exception e)
        {
            // The parser is written not to throw; if it ever does, the datagram is dropped and the edge goes on.
            _log.LogError(e, "SIP: the parser failed on a message from {Flow}", flow);
            return;
        }
        try
        {
            _handler(result, flow);
        }
        catch (Exception e)
        {
            _log.LogError(e, "SIP: handling a message from {Flow} failed", flow);
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _tcp!.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (_stop.IsCancellationRequested)
                {
                    return;
                }
                continue;
            }
            var remote = (IPEndPoint)client.Client.RemoteEndPoint!;
            if (_connections.Count >= _settings.MaxTcpConnections)
            {
                Dropped?.Invoke(new TcpFlow(remote, client), "too many TCP connections");
                client.Dispose();
                continue;
            }
            var flow = new TcpFlow(remote, client);
            _connections[remote] = flow;
            _ = Task.Run(() => ReadLoopAsync(flow));
        }
    }

    private async Task ReadLoopAsync(TcpFlow flow)
    {
        var framer = new SipStreamFramer();
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            var stream = flow.Stream;
            while (!_stop.IsCancellationRequested)
            {
                int read;
                using (var idle = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token))
                {
                    idle.CancelAfter(_settings.TcpIdleTimeout);
                    read = await stream.ReadAsync(buffer, idle.Token);
                }
                if (read == 0)
                {
                    return;
                }
                if (!framer.Append(buffer.AsSpan(0, read)))
                {
                    Dropped?.Invoke(flow, "a message over the size limit");
                    return;
                }
                while (true)
                {
                    var message = framer.Next(out var error);
                    if (message is null)
                    {
                        if (error is not null)
                        {
                            Dropped?.Invoke(flow, error);
                            return;
                        }
                        break;
                    }
                    Deliver(message, flow);
                }
            }
        }
        catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            _connections.TryRemove(new KeyValuePair<IPEndPoint, TcpFlow>(flow.Remote, flow));
            flow.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _udp?.Dispose();
        _tcp?.Stop();
        foreach (var flow in _connections.Values)
        {
            flow.Close();
        }
        try
        {
            await Task.WhenAll(_loops).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
        }
        _stop.Dispose();
    }

    /// <summary>One TCP connection; writes are serialised so messages never interleave.</summary>
    internal sealed class TcpFlow(IPEndPoint remote, TcpClient client) : SipFlow(remote)
    {
        private readonly SemaphoreSlim _write = new(1, 1);
        private volatile bool _closed;

        public override string Transport => "TCP";

        public NetworkStream Stream { get; } = client.GetStream();

        public bool IsOpen => !_closed && client.Connected;

        public async Task<bool> WriteAsync(byte[] bytes)
        {
            if (_closed)
            {
                return false;
            }
            await _write.WaitAsync();
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await Stream.WriteAsync(bytes, timeout.Token);
                return true;
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or SocketException)
            {
                Close();
                return false;
            }
            finally
            {
                _write.Release();
            }
        }

        public void Close()
        {
            _closed = true;
            client.Dispose();
        }
    }
}
