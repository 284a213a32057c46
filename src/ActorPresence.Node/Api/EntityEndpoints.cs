using ActorPresence.Domain;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using static ActorPresence.Node.Api.Documents;

namespace ActorPresence.Node.Api;

/// <summary>Devices, mailboxes and presence under <c>/api/v1</c> (docs/api.md).</summary>
public static class EntityEndpoints
{
    private const int DefaultLimit = 100;
    private const int MaxLimit = 1000;

    public static void MapEntityEndpoints(this WebApplication app)
    {
        var api = app.MapGroup("/api/v1");

        // Device ids contain '/': the id is everything after the prefix, taken from the raw target
        // and decoded once, so "PJSIP/1000" and "PJSIP%2F1000" name the same device.
        api.MapPut("/devices/{**device}", async (HttpContext http, CancellationToken ct) =>
        {
            var presence = Require(http);
            var id = new DeviceId(RawId(http, "/api/v1/devices/"));
            var body = await RequestBody.ReadAsync(http.Request, ct);
            var state = DeviceStateNames.Parse(body.RequiredString("state"));
            return Results.Ok(Of((await presence.SetDeviceStateAsync(id, state, ct)).State));
        });
        api.MapDelete("/devices/{**device}", async (HttpContext http, CancellationToken ct) =>
        {
            var presence = Require(http);
            var id = new DeviceId(RawId(http, "/api/v1/devices/"));
            var withdrawn = await presence.WithdrawDeviceStateAsync(id, ct);
            return withdrawn.Changed ? Results.Ok(Of(withdrawn.State)) : NotFound($"device: {presence.NodeName} has no view of {id}");
        });
        api.MapGet("/devices/{**device}", async (HttpContext http, CancellationToken ct) =>
        {
            var presence = Require(http);
            var id = new DeviceId(RawId(http, "/api/v1/devices/"));
            return await presence.GetDeviceAsync(id, ct) is { } device ? Results.Ok(Of(device)) : NotFound($"device: {id} is unknown");
        });
        api.MapGet("/devices", (HttpContext http, CancellationToken ct) =>
            ListAsync(http, EntityKind.Device, async (p, id) => await p.GetDeviceAsync(new DeviceId(id), ct) is { } d ? Of(d) : null, ct));

        api.MapPut("/mailboxes/{**mailbox}", async (HttpContext http, CancellationToken ct) =>
        {
            var presence = Require(http);
            var id = new MailboxId(RawId(http, "/api/v1/mailboxes/"));
            var body = await RequestBody.ReadAsync(http.Request, ct);
            var counts = new MailboxCounts(body.RequiredCount("new"), body.RequiredCount("old"), body.RequiredCount("urgent"));
            return Results.Ok(Of((await presence.SetMailboxAsync(id, counts, ct)).State));
        });
        api.MapGet("/mailboxes/{**mailbox}", async (HttpContext http, CancellationToken ct) =>
        {
            var presence = Require(http);
            var id = new MailboxId(RawId(http, "/api/v1/mailboxes/"));
            return await presence.GetMailboxAsync(id, ct) is { } mailbox ? Results.Ok(Of(mailbox)) : NotFound($"mailbox: {id} is unknown");
        });
        api.MapGet("/mailboxes", (HttpContext http, CancellationToken ct) =>
            ListAsync(http, EntityKind.Mailbox, async (p, id) => await p.GetMailboxAsync(new MailboxId(id), ct) is { } m ? Of(m) : null, ct));

        api.MapPut("/presence/{**id}", async (HttpContext http, CancellationToken ct) =>
        {
            var presence = Require(http);
            var id = new PresentityId(RawId(http, "/api/v1/presence/"));
            var body = await RequestBody.ReadAsync(http.Request, ct);
            var value = new Presence(
                PresenceStateNames.Parse(body.RequiredString("state")),
                body.OptionalString("subtype"),
                body.OptionalString("message"));
            return Results.Ok(Of((await presence.SetPresenceAsync(id, value, ct)).State));
        });
        api.MapGet("/presence/{**id}", async (HttpContext http, CancellationToken ct) =>
        {
            var presence = Require(http);
            var id = new PresentityId(RawId(http, "/api/v1/presence/"));
            return await presence.GetPresenceAsync(id, ct) is { } p ? Results.Ok(Of(p)) : NotFound($"presence: {id} is unknown");
        });
        api.MapGet("/presence", (HttpContext http, CancellationToken ct) =>
            ListAsync(http, EntityKind.Presence, async (p, id) => await p.GetPresenceAsync(new PresentityId(id), ct) is { } s ? Of(s) : null, ct));
    }

    /// <summary>The node's <see cref="IActorPresence"/>; a dedicated seed has none.</summary>
    internal static IActorPresence Require(HttpContext http) =>
        http.RequestServices.GetService(typeof(IActorPresence)) as IActorPresence
            ?? throw new SeedNodeException();

    internal static IResult NotFound(string error) => Results.Json(new ErrorDoc(error), Json, statusCode: StatusCodes.Status404NotFound);

    /// <summary>The entity id from the raw request target: everything after <paramref name="prefix"/>, up to
    /// the query, percent-decoded once.</summary>
    internal static string RawId(HttpContext http, string prefix)
    {
        var raw = http.Features.Get<IHttpRequestFeature>()?.RawTarget ?? http.Request.Path.Value ?? "";
        var query = raw.IndexOf('?');
        if (query >= 0)
        {
            raw = raw[..query];
        }
        var at = raw.IndexOf(prefix, StringComparison.OrdinalIgnoreCase);
        var encoded = at >= 0 ? raw[(at + prefix.Length)..] : "";
        try
        {
            return Uri.UnescapeDataString(encoded);
        }
        catch (UriFormatException)
        {
            throw new ValidationException("id", "is not a valid percent-encoded path segment");
        }
    }

    private static async Task<IResult> ListAsync<T>(HttpContext http, EntityKind kind, Func<IActorPresence, string, Task<T?>> read, CancellationToken ct)
        where T : class
    {
        var presence = Require(http);
        var query = http.Request.Query;
        var prefix = query["prefix"].ToString();
        var after = query["after"].ToString() is { Length: > 0 } a ? a : null;
        var limit = DefaultLimit;
        if (query["limit"].ToString() is { Length: > 0 } text && (!int.TryParse(text, out limit) || limit is < 1 or > MaxLimit))
        {
            throw new ValidationException("limit", $"must be an integer 1–{MaxLimit} (got '{text}')");
        }
        // One more than asked tells whether there is a next page.
        var ids = await presence.ListIdsAsync(kind, prefix, after, limit + 1, ct);
        var page = ids.Take(limit).ToList();
        var items = new List<T>(page.Count);
        foreach (var id in page)
        {
            if (await read(presence, id) is { } item)
            {
                items.Add(item);
            }
        }
        return Results.Ok(new ListDoc<T>(items, ids.Count > limit ? page[^1] : null));
    }
}

/// <summary>A telephony call made to a dedicated seed node.</summary>
public sealed class SeedNodeException() : Exception("this node is a dedicated seed and holds no telephony state; ask a telephony node");
