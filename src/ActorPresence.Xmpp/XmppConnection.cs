using System.Collections.Concurrent;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Xml.Linq;
using Microsoft.Extensions.Logging;

namespace ActorPresence.Xmpp;

/// <summary>An IQ answered with type="error": the condition named by the server (item-not-found, conflict, …).</summary>
public sealed class XmppIqErrorException(string condition, string text) : Exception($"the server answered with an error: {condition}{(text.Length > 0 ? $" ({text})" : "")}")
{
    public string Condition { get; } = condition;
}

/// <summary>
/// One client connection to an XMPP server (RFC 6120): TCP, STARTTLS (always required) with a stream
/// restart, SASL SCRAM-SHA-256 or SCRAM-SHA-1 (PLAIN only as a last resort, and then inside TLS), another
/// restart, resource binding. Then one reader loop: IQ answers complete their requests, the server's pings
/// are answered, messages and presence go to the owner's handler. A ping (XEP-0199) goes out when nothing
/// was heard for ping-interval. Any protocol error, limit or timeout ends the connection
/// (<see cref="Completion"/> faults); the owner makes a new one.
/// </summary>
internal sealed class XmppConnection : IAsyncDisposable
{
    private static readonly XNamespace SaslNs = XmppXml.Sasl;
    private static readonly XNamespace TlsNs = XmppXml.Tls;
    private static readonly XNamespace BindNs = XmppXml.Bind;
    private static readonly XNamespace SessionNs = XmppXml.Session;
    private static readonly XNamespace StanzasNs = XmppXml.Stanzas;
    private static readonly XNamespace PingNs = XmppXml.Ping;

    private readonly XmppSettings _settings;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private readonly TcpClient _tcp;
    private readonly XmppFramer _framer;
    private readonly byte[] _readBuffer = new byte[16 * 1024];
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<XElement>> _requests = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _closed = new();
    private Stream _stream;
    private long _nextId;
    private long _lastHeardTicks;
    private Task _completion = Task.CompletedTask;

    private XmppConnection(XmppSettings settings, TcpClient tcp, ILogger logger, TimeProvider clock)
    {
        _settings = settings;
        _tcp = tcp;
        _stream = tcp.GetStream();
        _logger = logger;
        _clock = clock;
        _framer = new XmppFramer(settings.MaxStanzaBytes);
    }

    /// <summary>The full JID the server bound for this connection.</summary>
    public string FullJid { get; private set; } = "";

    /// <summary>The SASL mechanism that authenticated this connection.</summary>
    public string Mechanism { get; private set; } = "";

    /// <summary>Ends (faulted, or when closed) with the connection.</summary>
    public Task Completion => _completion;

    /// <summary>Connects, secures and authenticates; the connection reads nothing until <see cref="Start"/>.</summary>
    public static async Task<XmppConnection> ConnectAsync(XmppSettings settings, ILogger logger, TimeProvider clock, CancellationToken cancellationToken)
    {
        var tcp = new TcpClient { NoDelay = true };
        XmppConnection? connection = null;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            // Every step of the negotiation has request-timeout; the whole of it four times that.
            timeout.CancelAfter(settings.RequestTimeout * 4);
            await tcp.ConnectAsync(settings.Server, settings.Port, timeout.Token).ConfigureAwait(false);
            connection = new XmppConnection(settings, tcp, logger, clock);
            await connection.NegotiateAsync(timeout.Token).ConfigureAwait(false);
            return connection;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await DisposeQuietly(connection, tcp).ConfigureAwait(false);
            throw new XmppProtocolException("timeout", $"connecting to {settings.Server}:{settings.Port} took longer than {(settings.RequestTimeout * 4).TotalSeconds:0.#} s");
        }
        catch
        {
            await DisposeQuietly(connection, tcp).ConfigureAwait(false);
            throw;
        }
    }

    private static async Task DisposeQuietly(XmppConnection? connection, TcpClient tcp)
    {
        if (connection is not null)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
        tcp.Dispose();
    }

    private async Task NegotiateAsync(CancellationToken cancellationToken)
    {
        var features = await OpenStreamAsync(cancellationToken).ConfigureAwait(false);
        if (features.Element(TlsNs + "starttls") is null)
        {
            throw new XmppProtocolException("tls", "the server does not offer STARTTLS, which the bridge requires");
        }
        await SendAsync($"<starttls xmlns=\"{XmppXml.Tls}\"/>", cancellationToken).ConfigureAwait(false);
        var answer = await ReadElementAsync(cancellationToken).ConfigureAwait(false);
        if (answer.Name != TlsNs + "proceed")
        {
            throw new XmppProtocolException("tls", $"the server answered STARTTLS with <{answer.Name.LocalName}>");
        }
        var tls = new SslStream(_stream, leaveInnerStreamOpen: false);
        try
        {
            await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = _settings.TlsServerName,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                RemoteCertificateValidationCallback = ValidateServer,
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (AuthenticationException e)
        {
            throw new XmppProtocolException("tls", $"TLS with the server failed: {e.Message}");
        }
        _stream = tls;
        _framer.Restart();
        features = await OpenStreamAsync(cancellationToken).ConfigureAwait(false);
        await AuthenticateAsync(features, cancellationToken).ConfigureAwait(false);
        _framer.Restart();
        features = await OpenStreamAsync(cancellationToken).ConfigureAwait(false);
        if (features.Element(BindNs + "bind") is null)
        {
            throw new XmppProtocolException("bind", "the server offers no resource binding");
        }
        var bound = await NegotiationIqAsync(
            $"<iq type=\"set\" id=\"bind\"><bind xmlns=\"{XmppXml.Bind}\"><resource>{XmppXml.Escape(_settings.Resource)}</resource></bind></iq>", "bind", cancellationToken).ConfigureAwait(false);
        FullJid = bound.Element(BindNs + "bind")?.Element(BindNs + "jid")?.Value
            ?? throw new XmppProtocolException("bind", "the server bound no JID");
        // RFC 3921's session, still required by some servers (RFC 6121 dropped it; "optional" says so).
        if (features.Element(SessionNs + "session") is { } session && session.Element(SessionNs + "optional") is null)
        {
            await NegotiationIqAsync($"<iq type=\"set\" id=\"session\"><session xmlns=\"{XmppXml.Session}\"/></iq>", "session", cancellationToken).ConfigureAwait(false);
        }
    }

    private bool ValidateServer(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (_settings.CaPath is null)
        {
            if (errors != SslPolicyErrors.None)
            {
                _logger.LogWarning("XMPP bridge: the server's certificate is refused: {Errors}", errors);
            }
            return errors == SslPolicyErrors.None;
        }
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNotAvailable | SslPolicyErrors.RemoteCertificateNameMismatch)) != 0)
        {
            _logger.LogWarning("XMPP bridge: the server's certificate is refused: {Errors}", errors);
            return false;
        }
        // The configured CA(s) only: not the system's roots.
        using var custom = new X509Chain();
        custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        var roots = new X509Certificate2Collection();
        roots.ImportFromPemFile(_settings.CaPath);
        custom.ChainPolicy.CustomTrustStore.AddRange(roots);
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements.Skip(1))
            {
                custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }
        var ok = custom.Build(new X509Certificate2(certificate));
        if (!ok)
        {
            _logger.LogWarning("XMPP bridge: the server's certificate does not chain to {Ca}: {Status}", _settings.CaPath,
                string.Join(", ", custom.ChainStatus.Select(s => s.Status)));
        }
        return ok;
    }

    private async Task AuthenticateAsync(XElement features, CancellationToken cancellationToken)
    {
        var offered = features.Element(SaslNs + "mechanisms")?.Elements(SaslNs + "mechanism").Select(m => m.Value.Trim()).ToHashSet(StringComparer.Ordinal) ?? [];
        var mechanism = new[] { "SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN" }.FirstOrDefault(offered.Contains)
            ?? throw new XmppProtocolException("auth", $"the server offers no mechanism this bridge has (offered: {string.Join(", ", offered)})");
        Mechanism = mechanism;
        if (mechanism == "PLAIN")
        {
            // Only ever inside TLS, which NegotiateAsync has required before this point.
            var plain = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{_settings.User}\0{_settings.Password}"));
            await SendAsync($"<auth xmlns=\"{XmppXml.Sasl}\" mechanism=\"PLAIN\">{plain}</auth>", cancellationToken).ConfigureAwait(false);
            ExpectSuccess(await ReadElementAsync(cancellationToken).ConfigureAwait(false));
            return;
        }
        var scram = new Scram(mechanism, _settings.User, _settings.Password);
        await SendAsync($"<auth xmlns=\"{XmppXml.Sasl}\" mechanism=\"{mechanism}\">{Base64(scram.ClientFirst())}</auth>", cancellationToken).ConfigureAwait(false);
        var challenge = await ReadElementAsync(cancellationToken).ConfigureAwait(false);
        if (challenge.Name != SaslNs + "challenge")
        {
            ExpectSuccess(challenge);
            throw new XmppProtocolException("auth", "the server ended SCRAM before its challenge");
        }
        var final = scram.ClientFinal(FromBase64(challenge.Value));
        await SendAsync($"<response xmlns=\"{XmppXml.Sasl}\">{Base64(final)}</response>", cancellationToken).ConfigureAwait(false);
        var outcome = await ReadElementAsync(cancellationToken).ConfigureAwait(false);
        if (outcome.Name == SaslNs + "challenge")
        {
            // The server's signature in a last challenge (RFC 6120 §6.4.6 allows either form).
            scram.VerifyServerFinal(FromBase64(outcome.Value));
            await SendAsync($"<response xmlns=\"{XmppXml.Sasl}\"/>", cancellationToken).ConfigureAwait(false);
            ExpectSuccess(await ReadElementAsync(cancellationToken).ConfigureAwait(false));
            return;
        }
        ExpectSuccess(outcome);
        scram.VerifyServerFinal(FromBase64(outcome.Value));
    }

    private static void ExpectSuccess(XElement answer)
    {
        if (answer.Name == SaslNs + "success")
        {
            return;
        }
        var condition = answer.Elements().FirstOrDefault(e => e.Name.LocalName != "text")?.Name.LocalName ?? answer.Name.LocalName;
        throw new XmppProtocolException("auth", $"the server refused the bridge's account: {condition}");
    }

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private static string FromBase64(string text)
    {
        try
        {
            return Encoding.UTF8.GetString(Convert.FromBase64String(text.Trim()));
        }
        catch (FormatException)
        {
            throw new XmppProtocolException("auth", "a SASL message from the server that is not base64");
        }
    }

    /// <summary>Sends the opening of a stream, reads the server's, and returns its features.</summary>
    private async Task<XElement> OpenStreamAsync(CancellationToken cancellationToken)
    {
        await SendAsync(
            $"<?xml version=\"1.0\"?><stream:stream to=\"{XmppXml.Escape(_settings.Domain)}\" version=\"1.0\" xml:lang=\"en\" xmlns=\"{XmppXml.Client}\" xmlns:stream=\"{XmppXml.Streams}\">",
            cancellationToken).ConfigureAwait(false);
        var frame = await ReadFrameAsync(cancellationToken).ConfigureAwait(false);
        if (frame.Kind != XmppFrameKind.StreamOpen)
        {
            throw new XmppProtocolException("malformed", "the server did not open its stream");
        }
        var header = XmppXml.ParseStreamHeader(frame.Bytes);
        if ((string?)header.Attribute("version") is not { } version || !version.StartsWith("1.", StringComparison.Ordinal))
        {
            throw new XmppProtocolException("malformed", "the server's stream is not XMPP 1.x");
        }
        var features = await ReadElementAsync(cancellationToken).ConfigureAwait(false);
        return features.Name == XmppXml.StreamsNs + "features"
            ? features
            : throw new XmppProtocolException("malformed", $"the server sent <{features.Name.LocalName}> where its features belong");
    }

    private async Task<XElement> NegotiationIqAsync(string iq, string id, CancellationToken cancellationToken)
    {
        await SendAsync(iq, cancellationToken).ConfigureAwait(false);
        var answer = await ReadElementAsync(cancellationToken).ConfigureAwait(false);
        if (answer.Name.LocalName != "iq" || (string?)answer.Attribute("id") != id)
        {
            throw new XmppProtocolException("malformed", $"the server answered the {id} request with <{answer.Name.LocalName}>");
        }
        if ((string?)answer.Attribute("type") != "result")
        {
            throw new XmppProtocolException(id, $"the server refused {id}: {Condition(answer)}");
        }
        return answer;
    }

    private async Task<XElement> ReadElementAsync(CancellationToken cancellationToken)
    {
        var frame = await ReadFrameAsync(cancellationToken).ConfigureAwait(false);
        if (frame.Kind == XmppFrameKind.StreamClose)
        {
            throw new XmppProtocolException("closed", "the server closed its stream");
        }
        if (frame.Kind != XmppFrameKind.Element)
        {
            throw new XmppProtocolException("malformed", "the server opened a second stream without a restart");
        }
        var element = XmppXml.Parse(frame.Bytes);
        if (element.Name == XmppXml.StreamsNs + "error")
        {
            throw new XmppProtocolException("stream-error", $"the server ended the stream: {element.Elements().FirstOrDefault()?.Name.LocalName ?? "no condition"}");
        }
        return element;
    }

    private async Task<XmppFrame> ReadFrameAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_framer.TryRead(out var frame))
            {
                return frame;
            }
            var read = await _stream.ReadAsync(_readBuffer, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new XmppProtocolException("closed", "the server closed the connection");
            }
            Interlocked.Exchange(ref _lastHeardTicks, _clock.GetTimestamp());
            _framer.Append(_readBuffer.AsSpan(0, read));
        }
    }

    /// <summary>Starts reading: <paramref name="onStanza"/> gets every message and presence, one at a time.</summary>
    public void Start(Func<XElement, CancellationToken, Task> onStanza)
    {
        Interlocked.Exchange(ref _lastHeardTicks, _clock.GetTimestamp());
        var reader = Task.Run(() => ReadLoopAsync(onStanza, _closed.Token));
        var pinger = Task.Run(() => PingLoopAsync(_closed.Token));
        _completion = Task.WhenAny(reader, pinger).Unwrap().ContinueWith(async t =>
        {
            await _closed.CancelAsync().ConfigureAwait(false);
            FailRequests(t.Exception?.InnerException ?? new XmppProtocolException("closed", "the connection was closed"));
            await t.ConfigureAwait(false);
        }, TaskScheduler.Default).Unwrap();
    }

    private async Task ReadLoopAsync(Func<XElement, CancellationToken, Task> onStanza, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var stanza = await ReadElementAsync(cancellationToken).ConfigureAwait(false);
                switch (stanza.Name.LocalName)
                {
                    case "iq" when stanza.Name.Namespace == XmppXml.ClientNs:
                        await OnIqAsync(stanza, cancellationToken).ConfigureAwait(false);
                        break;
                    case "message" or "presence" when stanza.Name.Namespace == XmppXml.ClientNs:
                        await onStanza(stanza, cancellationToken).ConfigureAwait(false);
                        break;
                    default:
                        _logger.LogDebug("XMPP bridge: ignored a <{Name}> from the server", stanza.Name);
                        break;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (IOException e)
        {
            throw new XmppProtocolException("closed", $"the connection broke: {e.Message}");
        }
    }

    private async Task OnIqAsync(XElement iq, CancellationToken cancellationToken)
    {
        var id = (string?)iq.Attribute("id") ?? "";
        var type = (string?)iq.Attribute("type");
        if (type is "result" or "error")
        {
            if (_requests.TryRemove(id, out var waiting))
            {
                waiting.TrySetResult(iq);
            }
            return;
        }
        if (type is not ("get" or "set"))
        {
            return;
        }
        var to = (string?)iq.Attribute("from");
        var address = to is null ? "" : $" to=\"{XmppXml.Escape(to)}\"";
        if (type == "get" && iq.Element(PingNs + "ping") is not null)
        {
            await SendAsync($"<iq type=\"result\" id=\"{XmppXml.Escape(id)}\"{address}/>", cancellationToken).ConfigureAwait(false);
            return;
        }
        // A request the bridge does not serve (RFC 6120 §8.2.3: every get or set gets an answer).
        await SendAsync(
            $"<iq type=\"error\" id=\"{XmppXml.Escape(id)}\"{address}><error type=\"cancel\"><service-unavailable xmlns=\"{XmppXml.Stanzas}\"/></error></iq>",
            cancellationToken).ConfigureAwait(false);
    }

    private async Task PingLoopAsync(CancellationToken cancellationToken)
    {
        var interval = _settings.PingInterval;
        var tick = TimeSpan.FromTicks(Math.Max(TimeSpan.FromMilliseconds(100).Ticks, interval.Ticks / 4));
        while (true)
        {
            await Task.Delay(tick, _clock, cancellationToken).ConfigureAwait(false);
            if (_clock.GetElapsedTime(Interlocked.Read(ref _lastHeardTicks)) < interval)
            {
                continue;
            }
            try
            {
                await RequestAsync(id => $"<iq type=\"get\" id=\"{id}\" to=\"{XmppXml.Escape(_settings.Domain)}\"><ping xmlns=\"{XmppXml.Ping}\"/></iq>", cancellationToken).ConfigureAwait(false);
            }
            catch (XmppIqErrorException)
            {
                // An error answer is an answer: the server is there.
            }
            catch (TimeoutException)
            {
                throw new XmppProtocolException("timeout", $"the server did not answer a ping within {_settings.RequestTimeout.TotalSeconds:0.#} s");
            }
        }
    }

    /// <summary>Sends an IQ get or set built around the id given, and waits for its answer (request-timeout).</summary>
    /// <exception cref="XmppIqErrorException">The server answered type="error".</exception>
    /// <exception cref="TimeoutException">No answer within request-timeout.</exception>
    public async Task<XElement> RequestAsync(Func<string, string> build, CancellationToken cancellationToken)
    {
        var id = "ap" + Interlocked.Increment(ref _nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var answer = new TaskCompletionSource<XElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        _requests[id] = answer;
        try
        {
            if (_closed.IsCancellationRequested)
            {
                throw new XmppProtocolException("closed", "the connection is closed");
            }
            await SendAsync(build(id), cancellationToken).ConfigureAwait(false);
            var iq = await answer.Task.WaitAsync(_settings.RequestTimeout, _clock, cancellationToken).ConfigureAwait(false);
            return (string?)iq.Attribute("type") == "error" ? throw new XmppIqErrorException(Condition(iq), iq.Element(XmppXml.ClientNs + "error")?.Element(StanzasNs + "text")?.Value ?? "") : iq;
        }
        finally
        {
            _requests.TryRemove(id, out _);
        }
    }

    private static string Condition(XElement iq) =>
        iq.Element(XmppXml.ClientNs + "error")?.Elements().FirstOrDefault(e => e.Name.Namespace == StanzasNs && e.Name.LocalName != "text")?.Name.LocalName ?? "undefined-condition";

    private void FailRequests(Exception reason)
    {
        foreach (var (id, waiting) in _requests)
        {
            if (_requests.TryRemove(id, out _))
            {
                waiting.TrySetException(reason);
            }
        }
    }

    public async Task SendAsync(string xml, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(xml);
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new XmppProtocolException("closed", $"the connection broke: {e.Message}");
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>Closes the stream (politely when it still works) and the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_closed.IsCancellationRequested && _tcp.Connected)
        {
            try
            {
                using var brief = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await SendAsync("</stream:stream>", brief.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is XmppProtocolException or OperationCanceledException or ObjectDisposedException or InvalidOperationException or NotSupportedException)
            {
            }
        }
        await _closed.CancelAsync().ConfigureAwait(false);
        FailRequests(new XmppProtocolException("closed", "the connection was closed"));
        _tcp.Dispose();
        await _stream.DisposeAsync().ConfigureAwait(false);
        try
        {
            await _completion.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Its failure was the owner's to see; closing is all that is left.
        }
    }
}
