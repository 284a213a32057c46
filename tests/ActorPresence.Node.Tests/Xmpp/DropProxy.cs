using System.Net;
using System.Net.Sockets;
using ActorPresence.Testing;

namespace ActorPresence.Node.Tests.Xmpp;

/// <summary>
/// A TCP relay between the bridge and the XMPP server that can drop a connection in the middle of
/// what the server is sending: after <see cref="DropNext"/>, the next bytes from the server are cut in
/// half, the first half delivered, and both sides closed.
/// </summary>
public sealed class DropProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly int _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _drop;
    private int _connections;

    public DropProxy(int target)
    {
        _target = target;
        _listener = new TcpListener(IPAddress.Loopback, NodeProcess.FreePort());
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = Task.Run(AcceptAsync);
    }

    public int Port { get; }

    /// <summary>Connections relayed so far.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Dropped connections so far.</summary>
    public int Dropped { get; private set; }

    public void DropNext() => Interlocked.Exchange(ref _drop, 1);

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            Interlocked.Increment(ref _connections);
            _ = Task.Run(() => RelayAsync(client));
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        using var server = new TcpClient();
        using (client)
        {
            try
            {
                await server.ConnectAsync(IPAddress.Loopback, _target, _stop.Token);
                using var both = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                var up = CopyAsync(client.GetStream(), server.GetStream(), fromServer: false, both.Token);
                var down = CopyAsync(server.GetStream(), client.GetStream(), fromServer: true, both.Token);
                await Task.WhenAny(up, down);
                await both.CancelAsync();
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }
        }
    }

    private async Task CopyAsync(NetworkStream from, NetworkStream to, bool fromServer, CancellationToken cancellationToken)
    {
        var buffer = new byte[16 * 1024];
        while (true)
        {
            var read = await from.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                return;
            }
            if (fromServer && read > 1 && Interlocked.Exchange(ref _drop, 0) == 1)
            {
                await to.WriteAsync(buffer.AsMemory(0, read / 2), cancellationToken);
                Dropped++;
                return;
            }
            await to.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (OperationCanceledException)
        {
        }
    }
}
