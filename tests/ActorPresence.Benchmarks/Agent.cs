using ActorPresence.Domain;
using ActorPresence.Node;
using ActorPresence.Replication;
using Akka.Actor;
using Akka.DistributedData;
using Akka.Remote;
using Akka.Remote.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using static ActorPresence.Entities.Messages.EntityCommands;
using static ActorPresence.Entities.Messages.EntityQueries;

namespace ActorPresence.Benchmarks;

/// <summary>
/// A cluster node for the benchmarks: the real node process (HTTP API, event stream) plus a few
/// <c>/bench</c> endpoints through which the coordinator drives its library API and reads its
/// measurements. Runs in its own process, as the product does.
/// </summary>
public static partial class Agent
{
    public static async Task<int> RunAsync(string[] args)
    {
        var settings = NodeSettings.Resolve(args);
        var app = NodeApp.Build(settings);
        var recorder = new LatencyRecorder();
        var received = 0L;
        IStateSubscription? subscription = null;
        Task? pump = null;

        app.MapPost("/bench/write", async (WriteRequest request, IActorPresence api, CancellationToken ct) =>
        {
            var acks = new LatencyRecorder();
            var run = await Pacer.RunAsync(
                request.Count, request.Rate, request.MaxInFlight, i => WriteOne(api, request, request.First + i), ct,
                TimeSpan.FromSeconds(request.MaxSeconds), acks);
            return new WriteReport(run.Attempted, run.Written, run.TimedOut, run.Errors, run.Elapsed.TotalSeconds, acks.Summary(), run.ErrorSamples);
        });
        app.MapPost("/bench/subscribe", async (SubscribeRequest request, IActorPresence api) =>
        {
            if (subscription is not null)
            {
                await subscription.DisposeAsync();
            }
            recorder.Reset();
            Interlocked.Exchange(ref received, 0);
            var kind = request.Kind == "device" ? EntityKind.Device : EntityKind.Presence;
            subscription = await api.SubscribeAsync(SubscriptionFilter.WithPrefix(kind, request.Prefix), 1_000_000);
            var events = subscription.Events;
            pump = Task.Run(async () =>
            {
                await foreach (var e in events.ReadAllAsync())
                {
                    if (e.IsInitial)
                    {
                        continue;
                    }
                    var now = DateTime.UtcNow.Ticks;
                    if (SentTicks(e) is { } sent)
                    {
                        recorder.Record(TimeSpan.FromTicks(now - sent));
                    }
                    Interlocked.Increment(ref received);
                }
            });
            return Results.Ok();
        });
        app.MapPost("/bench/reset", () =>
        {
            recorder.Reset();
            Interlocked.Exchange(ref received, 0);
            return Results.Ok();
        });
        app.MapGet("/bench/stats", () => new StatsReport(Interlocked.Read(ref received), recorder.Summary()));
        app.MapGet("/bench/memory", async (ActorSystem system) =>
        {
            for (var i = 0; i < 3; i++)
            {
                GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
                GC.WaitForPendingFinalizers();
            }
            var runtime = ActorPresenceRuntime.Get(system);
            async Task<ManagerStats> Stats(EntityKind kind) =>
                await runtime.ManagerFor(kind).Ask<ManagerStats>(GetStats.Instance, TimeSpan.FromSeconds(30));
            var (devices, mailboxes, presence) = (await Stats(EntityKind.Device), await Stats(EntityKind.Mailbox), await Stats(EntityKind.Presence));
            return new MemoryReport(
                GC.GetTotalMemory(forceFullCollection: true),
                Environment.WorkingSet,
                devices.Entities,
                mailboxes.Entities,
                presence.Entities,
                devices.LiveEntities + mailboxes.LiveEntities + presence.LiveEntities,
                devices.LiveEntities);
        });
        // ?kinds=mailbox,presence&prefix=hm- narrows the digest; without them it covers every entry.
        app.MapGet("/bench/fingerprint", async (ActorSystem system, string? kinds, string? prefix) =>
            await FingerprintAsync(system, ParseKinds(kinds), prefix ?? ""));
        app.MapPost("/bench/throttle", async (ThrottleRequest request, ActorSystem system) =>
        {
            var transport = ((RemoteActorRefProvider)((ExtendedActorSystem)system).Provider).Transport;
            ThrottleMode mode = request.Blackhole ? Blackhole.Instance : Unthrottled.Instance;
            await transport.ManagementCommand(new SetThrottle(Address.Parse(request.Address), ThrottleTransportAdapter.Direction.Both, mode));
            return Results.Ok();
        });

        await app.RunAsync();
        return 0;
    }

    private static Task WriteOne(IActorPresence api, WriteRequest request, long i)
    {
        var id = request.Prefix + (i % request.Entities);
        var flip = i / request.Entities % 2 == 0;
        return request.Kind switch
        {
            "device" => api.SetDeviceStateAsync(new DeviceId(id), flip ? DeviceState.InUse : DeviceState.NotInUse),
            "mailbox" => api.SetMailboxAsync(new MailboxId(id), new MailboxCounts((int)(i % 50), flip ? 1 : 2)),
            _ => api.SetPresenceAsync(new PresentityId(id), new Presence(flip ? PresenceState.Available : PresenceState.Away, "", Stamp(DateTime.UtcNow.Ticks))),
        };
    }

    /// <summary>The send time a change carries: in a presence message, or as the changed view's stamp.</summary>
    internal static long? SentTicks(StateEvent e) => e switch
    {
        PresenceStateEvent p => ParseStamp(p.Presence.Presence.Message),
        DeviceStateEvent d => d.Device.Views.FirstOrDefault(v => v.Node == d.Origin)?.UpdatedAt.UtcTicks,
        _ => null,
    };

    /// <summary>An order-free digest of every entry in this node's replica: equal on two nodes when they hold the same state.</summary>
    private static async Task<Fingerprint> FingerprintAsync(ActorSystem system, IReadOnlyList<EntityKind> kinds, string prefix)
    {
        var runtime = ActorPresenceRuntime.Get(system);
        var replicator = DistributedData.Get(system).Replicator;
        long entities = 0, entries = 0;
        ulong hash = 0;
        foreach (var kind in kinds)
        {
            foreach (var key in new KeySpace(kind, runtime.Settings.KeyCount).Keys)
            {
                var response = await replicator.Ask<IGetResponse>(Dsl.Get(key, ReadLocal.Instance), TimeSpan.FromSeconds(30));
                if (response is not GetSuccess success)
                {
                    continue;
                }
                foreach (var (id, slot) in success.Get(key).Entities)
                {
                    if (!id.StartsWith(prefix, StringComparison.Ordinal))
                    {
                        continue;
                    }
                    entities++;
                    foreach (var entry in slot.Entries)
                    {
                        entries++;
                        hash ^= Mix(id, entry);
                    }
                }
            }
        }
        return new Fingerprint(entities, entries, hash.ToString("x16"));
    }

    private static IReadOnlyList<EntityKind> ParseKinds(string? kinds) =>
        string.IsNullOrEmpty(kinds)
            ? [EntityKind.Device, EntityKind.Mailbox, EntityKind.Presence]
            : kinds.Split(',').Select(k => k.Trim() switch
            {
                "device" => EntityKind.Device,
                "mailbox" => EntityKind.Mailbox,
                "presence" => EntityKind.Presence,
                _ => throw new ArgumentException($"kinds: unknown kind '{k}' (device, mailbox, presence)"),
            }).ToArray();

    // FNV-1a over the id, the stamp's ticks and its node, with no allocation: the convergence check
    // polls every node's whole replica (300,000 entities and more after the scale phase) while the
    // nodes it measures are converging, so its own cost must stay small beside theirs.
    private static ulong Mix(string id, Entry entry)
    {
        var h = Fnv(14695981039346656037UL, id);
        h = (h ^ '|') * 1099511628211UL;
        var ticks = (ulong)entry.Stamp.Ticks;
        for (var i = 0; i < 8; i++, ticks >>= 8)
        {
            h = (h ^ (ticks & 0xff)) * 1099511628211UL;
        }
        h = (h ^ '|') * 1099511628211UL;
        return Fnv(h, entry.Stamp.Node);
    }

    private static ulong Fnv(ulong h, string text)
    {
        foreach (var c in text)
        {
            h = (h ^ c) * 1099511628211UL;
        }
        return h;
    }
}
