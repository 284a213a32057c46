using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using ActorPresence.Domain;
using ActorPresence.Entities;
using Akka.Actor;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using static ActorPresence.Node.Api.Documents;

namespace ActorPresence.Node.Api;

/// <summary>
/// <c>GET /api/v1/events</c>: Server-Sent Events. The current state first, then every change. Each
/// client is one library subscription, whose queue the response is written from; a client that
/// falls more than <see cref="ClientBuffer"/> changes behind is sent an <c>overflow</c> event and
/// disconnected, and nobody else notices. The current state does not count against that limit
/// (<see cref="SubscriptionQueue"/>), however many entities there are. If the node can no longer
/// feed the stream, it ends with an <c>error</c> event that says why.
/// </summary>
public static class EventStream
{
    /// <summary>Unread changes per client before it is disconnected.</summary>
    public const int ClientBuffer = 1000;

    /// <summary>The event that ends a stream whose client fell behind.</summary>
    public const string Overflow = "overflow";

    /// <summary>The event that ends a stream whose source is gone (this node's pipeline stopped).</summary>
    public const string Error = "error";

    private static readonly TimeSpan KeepAlive = TimeSpan.FromSeconds(15);

    public static void MapEventStream(this WebApplication app)
    {
        app.MapGet("/api/v1/events", async (HttpContext http, ILoggerFactory logs) =>
        {
            var presence = EntityEndpoints.Require(http);
            var filters = ParseFilters(http.Request.Query);
            var aborted = http.RequestAborted;
            // One subscription for all the filters: its queue is the client's queue, with the client's limit.
            await using var subscription = await presence.SubscribeAsync(filters, ClientBuffer, aborted);
            http.Response.StatusCode = StatusCodes.Status200OK;
            http.Response.ContentType = "text/event-stream";
            http.Response.Headers.CacheControl = "no-cache";
            http.Response.Headers["X-Accel-Buffering"] = "no";
            // A client that fell behind may have stopped reading: its writer is stopped at once
            // rather than when its unread events would have been written.
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(aborted);
            _ = subscription.Ended.ContinueWith(ended => StopOnOverflow(ended, stop), TaskScheduler.Default);
            try
            {
                await http.Response.Body.FlushAsync(stop.Token);
                await WriteAsync(http, subscription.Events, stop.Token);
            }
            catch (Exception e) when (OverflowOf(e, subscription) is { } overflow)
            {
                logs.CreateLogger("ActorPresence.Node.Events").LogWarning(
                    "Event stream client {Client} disconnected: {Reason}", http.Connection.RemoteIpAddress, overflow.Message);
                await TryWriteEndAsync(http, Overflow, overflow.Message);
                http.Abort();
            }
            catch (SubscriptionSourceLostException e)
            {
                logs.CreateLogger("ActorPresence.Node.Events").LogError(
                    "Event stream to {Client} ended: {Reason}", http.Connection.RemoteIpAddress, e.Message);
                await TryWriteEndAsync(http, Error, e.Message);
            }
            catch (OperationCanceledException) when (aborted.IsCancellationRequested)
            {
                // The client went away.
            }
        });
    }

    /// <summary>The overflow that ended the stream: read from the queue, or why the writer was stopped.</summary>
    private static SubscriptionOverflowException? OverflowOf(Exception e, IStateSubscription subscription) =>
        e as SubscriptionOverflowException
        ?? (e is OperationCanceledException ? subscription.Ended.Exception?.InnerException as SubscriptionOverflowException : null);

    private static void StopOnOverflow(Task ended, CancellationTokenSource stop)
    {
        if (ended.Exception?.InnerException is not SubscriptionOverflowException)
        {
            return;
        }
        try
        {
            stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The request already ended.
        }
    }

    /// <summary>The filters of the contract: none means everything; each parameter is an exact id, a prefix ending in <c>*</c>, or <c>*</c>.</summary>
    internal static IReadOnlyList<SubscriptionFilter> ParseFilters(IQueryCollection query)
    {
        var filters = new List<SubscriptionFilter>();
        foreach (var kind in EntityKinds.All)
        {
            var name = kind.Name();
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

    private static async Task WriteAsync(HttpContext http, ChannelReader<StateEvent> events, CancellationToken ct)
    {
        var body = http.Response.Body;
        var site = ActorPresenceRuntime.Get(http.RequestServices.GetRequiredService<ActorSystem>()).Settings.Site;
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
                await body.WriteAsync(Format(e, site), ct);
            }
            await body.FlushAsync(ct);
        }
    }

    internal static byte[] Format(StateEvent e, SiteId site)
    {
        var doc = Of(e, site);
        return Encoding.UTF8.GetBytes($"event: {doc.Kind}\ndata: {JsonSerializer.Serialize(doc, Json)}\n\n");
    }

    /// <summary>The last event of a stream that the node ends: <c>overflow</c> (the client fell
    /// behind) or <c>error</c> (the stream's source is gone), with <c>{"error": reason}</c>.</summary>
    private static async Task TryWriteEndAsync(HttpContext http, string eventName, string reason)
    {
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            var text = $"event: {eventName}\ndata: {JsonSerializer.Serialize(new ErrorDoc(reason), Json)}\n\n";
            await http.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), cts.Token);
            await http.Response.Body.FlushAsync(cts.Token);
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
        {
            // A stalled client cannot take even this; it is disconnected all the same.
        }
    }
}
