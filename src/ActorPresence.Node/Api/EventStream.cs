using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using ActorPresence.Domain;
using ActorPresence.Entities;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using static ActorPresence.Node.Api.Documents;

namespace ActorPresence.Node.Api;

/// <summary>
/// <c>GET /api/v1/events</c>: Server-Sent Events. The current state first, then every change. Each
/// client has its own queue; a client that falls more than <see cref="ClientBuffer"/> changes behind
/// is sent an <c>overflow</c> event and disconnected, and nobody else notices. The current state
/// does not count against that limit (<see cref="SubscriptionQueue"/>), however many entities there are.
/// </summary>
public static class EventStream
{
    /// <summary>Unread changes per client before it is disconnected.</summary>
    public const int ClientBuffer = 1000;

    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    public static void MapEventStream(this WebApplication app)
    {
        app.MapGet("/api/v1/events", async (HttpContext http, ILoggerFactory logs) =>
        {
            var presence = EntityEndpoints.Require(http);
            var filters = ParseFilters(http.Request.Query);
            var aborted = http.RequestAborted;
            using var overflowed = new CancellationTokenSource();
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(aborted, overflowed.Token);
            var ct = linked.Token;
            var queue = new SubscriptionQueue(ClientBuffer);
            var subscriptions = new List<IStateSubscription>();
            Exception? overflow = null;
            try
            {
                foreach (var filter in filters)
                {
                    // The subscriptions only feed the client's queue, which enforces the limit: their
                    // own buffers must hold a whole snapshot of the current state.
                    subscriptions.Add(await presence.SubscribeAsync(filter, int.MaxValue, aborted));
                }
                http.Response.StatusCode = StatusCodes.Status200OK;
                http.Response.ContentType = "text/event-stream";
                http.Response.Headers.CacheControl = "no-cache";
                http.Response.Headers["X-Accel-Buffering"] = "no";
                await http.Response.Body.FlushAsync(ct);

                // Each subscription feeds the client's one queue. An overflow anywhere cancels the
                // writer even while it is blocked on a client that stopped reading.
                var pumps = Task.WhenAll(subscriptions.Select(s => PumpAsync(s.Events, queue, ct)));
                _ = pumps.ContinueWith(t =>
                {
                    if (t.Exception?.InnerException is SubscriptionOverflowException e)
                    {
                        overflow = e;
                        overflowed.Cancel();
                    }
                    queue.Complete();
                }, TaskScheduler.Default);
                await WriteAsync(http, queue.Reader, ct);
            }
            catch (OperationCanceledException) when (overflowed.IsCancellationRequested)
            {
                logs.CreateLogger("ActorPresence.Node.Events").LogWarning(
                    "Event stream client {Client} disconnected: {Reason}", http.Connection.RemoteIpAddress, overflow?.Message);
                await TryWriteOverflowAsync(http, overflow?.Message ?? "fell behind");
                http.Abort();
            }
            catch (OperationCanceledException) when (aborted.IsCancellationRequested)
            {
                // The client went away.
            }
            finally
            {
                foreach (var subscription in subscriptions)
                {
                    await subscription.DisposeAsync();
                }
            }
        });
    }

    /// <summary>The filters of the contract: none means everything; each parameter is an exact id, a prefix ending in <c>*</c>, or <c>*</c>.</summary>
    internal static IReadOnlyList<SubscriptionFilter> ParseFilters(IQueryCollection query)
    {
        var filters = new List<SubscriptionFilter>();
        foreach (var (name, kind) in new[] { ("device", EntityKind.Device), ("mailbox", EntityKind.Mailbox), ("presence", EntityKind.Presence) })
        {
            if (!query.TryGetValue(name, out var values))
            {
                continue;
            }
            foreach (var value in values)
            {
                var text = value ?? "";
                if (text.Length == 0)
                {
                    throw new ValidationException(name, "must be an id, a prefix ending in '*', or '*'");
                }
                if (text.EndsWith('*'))
                {
                    filters.Add(SubscriptionFilter.WithPrefix(kind, text[..^1]));
                    continue;
                }
                filters.Add(kind switch
                {
                    EntityKind.Device => SubscriptionFilter.Device(new DeviceId(text)),
                    EntityKind.Mailbox => SubscriptionFilter.Mailbox(new MailboxId(text)),
                    _ => SubscriptionFilter.Presence(new PresentityId(text)),
                });
            }
        }
        return filters.Count == 0 ? [SubscriptionFilter.Everything] : filters;
    }

    private static async Task PumpAsync(ChannelReader<StateEvent> source, SubscriptionQueue target, CancellationToken ct)
    {
        await foreach (var e in source.ReadAllAsync(ct))
        {
            if (!target.TryEnqueue(e))
            {
                throw new SubscriptionOverflowException(ClientBuffer);
            }
        }
    }

    private static async Task WriteAsync(HttpContext http, ChannelReader<StateEvent> events, CancellationToken ct)
    {
        var body = http.Response.Body;
        while (true)
        {
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(ct);
            idle.CancelAfter(KeepAlive);
            bool more;
            try
            {
                more = await events.WaitToReadAsync(idle.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                await body.WriteAsync(": keep-alive\n\n"u8.ToArray(), ct);
                await body.FlushAsync(ct);
                continue;
            }
            if (!more)
            {
                return;
            }
            while (events.TryRead(out var e))
            {
                await body.WriteAsync(Format(e), ct);
            }
            await body.FlushAsync(ct);
        }
    }

    internal static byte[] Format(StateEvent e)
    {
        var doc = Of(e);
        return Encoding.UTF8.GetBytes($"event: {doc.Kind}\ndata: {JsonSerializer.Serialize(doc, Json)}\n\n");
    }

    private static async Task TryWriteOverflowAsync(HttpContext http, string reason)
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            var text = $"event: overflow\ndata: {JsonSerializer.Serialize(new ErrorDoc(reason), Json)}\n\n";
            await http.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), cts.Token);
            await http.Response.Body.FlushAsync(cts.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
        {
            // A stalled client cannot take even this; it is disconnected all the same.
        }
    }
}
