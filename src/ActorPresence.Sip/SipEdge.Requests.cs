using System.Globalization;
using System.Net;
using System.Security.Cryptography;

namespace ActorPresence.Sip;

/// <summary>The requests the edge sends (NOTIFY, PUBLISH): client transactions (RFC 3261 17.1.2).</summary>
internal sealed partial class SipEdge
{
    /// <summary>
    /// Sends a request and waits for its final answer (RFC 3261 17.1.2): over UDP it is sent again at T1,
    /// 2·T1… up to T2 apart; no answer within 64·T1 is a timeout (null). A top Via with a new branch is added.
    /// </summary>
    internal async Task<SipMessage?> RequestAsync(SipMessage request, SipFlow flow)
    {
        var branch = "z9hG4bK" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(10));
        request.Headers.Insert(0, new SipHeader("Via", $"SIP/2.0/{flow.Transport} {SentBy};branch={branch};rport"));
        var bytes = request.ToBytes();
        if (!flow.IsReliable && bytes.Length > SipTransport.UdpRequestLimit && await _transport.ConnectAsync(flow.Remote).ConfigureAwait(false) is { } tcp)
        {
            // Too large for UDP (RFC 3261 18.1.1): over TCP to the same address, when it listens there.
            flow = tcp;
            request.Headers[0] = new SipHeader("Via", $"SIP/2.0/TCP {SentBy};branch={branch};rport");
            bytes = request.ToBytes();
        }
        var answer = new TaskCompletionSource<SipMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        _clientTransactions[branch] = answer;
        try
        {
            var sentOn = await _transport.SendAsync(flow, bytes, isRequest: true).ConfigureAwait(false);
            if (sentOn is null)
            {
                return null;
            }
            var deadline = _time.GetUtcNow() + 64 * _settings.T1;
            var interval = _settings.T1;
            while (true)
            {
                var left = deadline - _time.GetUtcNow();
                if (left <= TimeSpan.Zero)
                {
                    return null;
                }
                var wait = sentOn.IsReliable ? left : (interval < left ? interval : left);
                try
                {
                    // The timer stops as soon as the answer comes (a Task.Delay would run on, one per request).
                    return await answer.Task.WaitAsync(wait, _time, _stop.Token).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                }
                if (!sentOn.IsReliable)
                {
                    await _transport.SendAsync(sentOn, bytes, isRequest: true).ConfigureAwait(false);
                    interval = interval * 2 < T2 ? interval * 2 : T2;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        finally
        {
            _clientTransactions.TryRemove(branch, out _);
        }
    }

    private void OnResponse(SipMessage response)
    {
        if (response.Status < 200)
        {
            return;
        }
        var via = Via.TryParse(response.Values("Via").FirstOrDefault() ?? "");
        if (via?.Branch is { } branch && _clientTransactions.TryGetValue(branch, out var answer))
        {
            answer.TrySetResult(response);
        }
    }

    /// <summary>The host:port this edge writes in its Via and Contact.</summary>
    internal string SentBy
    {
        get
        {
            var endpoint = _transport.LocalEndPoint;
            var host = endpoint.Address.Equals(IPAddress.Any) || endpoint.Address.Equals(IPAddress.IPv6Any) ? _settings.Domain
                : endpoint.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{endpoint.Address}]" : endpoint.Address.ToString();
            return $"{host}:{endpoint.Port.ToString(CultureInfo.InvariantCulture)}";
        }
    }
}
