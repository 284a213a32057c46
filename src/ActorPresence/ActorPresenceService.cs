using System.Threading.Channels;
using ActorPresence.Domain;
using ActorPresence.Entities;
using ActorPresence.Entities.Messages;
using ActorPresence.Replication;
using ActorPresence.Supervision;
using Akka.Actor;
using static ActorPresence.Entities.Messages.EntityCommands;
using static ActorPresence.Entities.Messages.EntityQueries;
using static ActorPresence.Entities.Messages.SubscriptionMessages;

namespace ActorPresence;

/// <summary>The <see cref="IActorPresence"/> of one node, over its <see cref="ActorPresenceRuntime"/>.</summary>
public sealed class ActorPresenceService(ActorPresenceRuntime runtime) : IActorPresence
{
    private ActorPresenceSettings Settings => runtime.Settings;

    public NodeName NodeName => Settings.NodeName;

    public async Task<WriteResult<DeviceSnapshot>> SetDeviceStateAsync(DeviceId device, DeviceState state, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (!DeviceStateNames.IsDefined(state))
        {
            throw new ValidationException("state", $"must be a defined device state (got {(int)state})");
        }
        var ack = await WriteAsync(EntityKind.Device, device.Value, new SetDeviceView(state), cancellationToken);
        return new(ack.Changed, DeviceOf(device, ack.State));
    }

    public async Task<WriteResult<DeviceSnapshot>> WithdrawDeviceStateAsync(DeviceId device, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(device);
        var ack = await WriteAsync(EntityKind.Device, device.Value, WithdrawDeviceView.Instance, cancellationToken);
        return new(ack.Changed, DeviceOf(device, ack.State));
    }

    public async Task<WriteResult<MailboxSnapshot>> SetMailboxAsync(MailboxId mailbox, MailboxCounts counts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mailbox);
        ArgumentNullException.ThrowIfNull(counts);
        var ack = await WriteAsync(EntityKind.Mailbox, mailbox.Value, new SetMailbox(counts), cancellationToken);
        return new(ack.Changed, ((MailboxStateEvent)ack.State!).Mailbox);
    }

    public async Task<WriteResult<PresenceSnapshot>> SetPresenceAsync(PresentityId presentity, Presence presence, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(presentity);
        ArgumentNullException.ThrowIfNull(presence);
        var ack = await WriteAsync(EntityKind.Presence, presentity.Value, new SetPresence(presence), cancellationToken);
        return new(ack.Changed, ((PresenceStateEvent)ack.State!).Presence);
    }

    public async Task<DeviceSnapshot?> GetDeviceAsync(DeviceId device, CancellationToken cancellationToken = default) =>
        (await GetAsync(EntityKind.Device, device.Value, cancellationToken) as DeviceStateEvent)?.Device;

    public async Task<MailboxSnapshot?> GetMailboxAsync(MailboxId mailbox, CancellationToken cancellationToken = default) =>
        (await GetAsync(EntityKind.Mailbox, mailbox.Value, cancellationToken) as MailboxStateEvent)?.Mailbox;

    public async Task<PresenceSnapshot?> GetPresenceAsync(PresentityId presentity, CancellationToken cancellationToken = default) =>
        (await GetAsync(EntityKind.Presence, presentity.Value, cancellationToken) as PresenceStateEvent)?.Presence;

    public async Task<IReadOnlyList<string>> ListIdsAsync(EntityKind kind, string prefix = "", string? after = null, int limit = 100, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        if (limit is < 1 or > 10_000)
        {
            throw new ValidationException("limit", $"must be 1–10000 (got {limit})");
        }
        var reply = await Manager(kind).Ask<IdList>(new ListIds(prefix, after, limit), Settings.AskTimeout, cancellationToken);
        return reply.Ids;
    }

    public Task<IStateSubscription> SubscribeAsync(SubscriptionFilter filter, CancellationToken cancellationToken = default) =>
        SubscribeAsync([filter], Settings.SubscriberBuffer, cancellationToken);

    public Task<IStateSubscription> SubscribeAsync(SubscriptionFilter filter, int bufferSize, CancellationToken cancellationToken = default) =>
        SubscribeAsync([filter], bufferSize, cancellationToken);

    public async Task<IStateSubscription> SubscribeAsync(IReadOnlyCollection<SubscriptionFilter> filters, int bufferSize, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filters);
        if (filters.Count == 0 || filters.Any(f => f is null))
        {
            throw new ValidationException("filters", "must name at least one filter, and no null one");
        }
        if (bufferSize < 1)
        {
            throw new ValidationException("bufferSize", $"must be at least 1 (got {bufferSize})");
        }
        var registrations = filters
            .SelectMany(f => f.Kinds.Order().Select(kind => new SubscriptionRegistration(kind, f, Manager(kind))))
            .ToList();
        var queue = new SubscriptionQueue(bufferSize);
        var actor = runtime.System.ActorOf(SubscriptionActor.Props(queue, registrations));
        var subscription = new Subscription(queue, actor);
        var subscriber = new Subscriber(actor, queue);
        try
        {
            foreach (var registration in registrations)
            {
                await registration.Manager.Ask<SubscriptionAdded>(new AddSubscription(registration.Filter, subscriber), Settings.AskTimeout, cancellationToken);
            }
        }
        catch
        {
            await subscription.DisposeAsync();
            throw;
        }
        return subscription;
    }

    // ----- the gateway's writes (site links): internal, so no embedding host writes in a site's name -----

    /// <summary>Sets (or, with a null state, withdraws) what the Asterisk server <paramref name="eid"/> published of a
    /// device: the view <c>ast:&lt;eid&gt;</c>, aggregated with the nodes' views by the same rule (the SIP edge).</summary>
    /// <param name="renew">Write the state again with a new stamp even if the view holds it (renews its lease).</param>
    internal async Task<WriteResult<DeviceSnapshot>> SetAsteriskViewAsync(DeviceId device, AsteriskEid eid, DeviceState? state, bool renew = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(eid);
        if (state is { } defined && !DeviceStateNames.IsDefined(defined))
        {
            throw new ValidationException("state", $"must be a defined device state (got {(int)defined})");
        }
        var ack = await WriteAsync(EntityKind.Device, device.Value, new SetAsteriskView(eid, state, renew), cancellationToken);
        return new(ack.Changed, DeviceOf(device, ack.State));
    }

    /// <summary>
    /// Sets (or, with a null state, withdraws) <paramref name="site"/>'s aggregates of devices: the view
    /// <c>@site</c>, aggregated with this site's views by the same rule. Many at once (a snapshot, an
    /// expiry), with no entity actor created for a device that has none here. Returns how many views
    /// changed.
    /// </summary>
    internal Task<int> SetSiteViewsAsync(SiteId site, IReadOnlyCollection<(DeviceId Device, DeviceState? State)> views, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(views);
        NotOwnSite(site);
        var writes = new List<IEntityMessage>(views.Count);
        foreach (var (device, state) in views)
        {
            ArgumentNullException.ThrowIfNull(device);
            if (state is { } defined && !DeviceStateNames.IsDefined(defined))
            {
                throw new ValidationException("state", $"must be a defined device state (got {(int)defined})");
            }
            writes.Add(new Write(device.Value, new SetSiteView(site, state)));
        }
        return WriteManyAsync(EntityKind.Device, writes, cancellationToken);
    }

    /// <summary>Brings in mailbox counts that a node of <paramref name="site"/> wrote, each with that node's
    /// stamp (ticks and name): they replace this site's value only if that stamp is newer. Returns how
    /// many won (the others lost, or were already held).</summary>
    internal Task<int> ImportMailboxesAsync(SiteId site, IReadOnlyCollection<(MailboxId Mailbox, MailboxCounts Counts, long Ticks, NodeName Writer)> values, CancellationToken cancellationToken = default) =>
        ImportAsync(EntityKind.Mailbox, site, (values ?? throw new ArgumentNullException(nameof(values))).Select(v => (v.Mailbox?.Value, (MailboxCounts?)v.Counts, v.Ticks, v.Writer)),
            (stamp, counts) => new MailboxEntry(stamp, counts), cancellationToken);

    /// <summary>As <see cref="ImportMailboxesAsync"/>, for presentities.</summary>
    internal Task<int> ImportPresencesAsync(SiteId site, IReadOnlyCollection<(PresentityId Presentity, Presence Presence, long Ticks, NodeName Writer)> values, CancellationToken cancellationToken = default) =>
        ImportAsync(EntityKind.Presence, site, (values ?? throw new ArgumentNullException(nameof(values))).Select(v => (v.Presentity?.Value, (Presence?)v.Presence, v.Ticks, v.Writer)),
            (stamp, presence) => new PresenceEntry(stamp, presence), cancellationToken);

    /// <summary>Every value checked (and stamped as its writer stamped it) before any is written.</summary>
    private Task<int> ImportAsync<TValue>(EntityKind kind, SiteId site, IEnumerable<(string? Id, TValue? Value, long Ticks, NodeName Writer)> values,
        Func<Stamp, TValue, Entry> entry, CancellationToken cancellationToken)
        where TValue : class
    {
        var writes = new List<IEntityMessage>();
        foreach (var (id, value, ticks, writer) in values)
        {
            ArgumentNullException.ThrowIfNull(id);
            ArgumentNullException.ThrowIfNull(value);
            writes.Add(new Import(id, entry(ImportedStamp(ticks, writer, site), value)));
        }
        return WriteManyAsync(kind, writes, cancellationToken);
    }

    /// <summary>Writes per message to a manager: one message holds its manager for about a millisecond.</summary>
    internal const int WritesPerMessage = 1_000;

    /// <summary>
    /// Sends <paramref name="writes"/> (all validated, so none is refused for its input) to the kind's
    /// manager in messages of <see cref="WritesPerMessage"/>, all at once, and waits for every answer:
    /// each message's within the write timeout of the previous one's. Throws the first failure, or
    /// <see cref="WriteOutcomeUnknownException"/> when a message's writes were not all answered in time.
    /// </summary>
    private async Task<int> WriteManyAsync(EntityKind kind, List<IEntityMessage> writes, CancellationToken cancellationToken)
    {
        if (writes.Count == 0)
        {
            return 0;
        }
        var manager = Manager(kind);
        var provider = ((ExtendedActorSystem)runtime.System).Provider;
        var sent = new List<(ManyAnswers Answers, IReadOnlyList<IEntityMessage> Writes)>();
        foreach (var chunk in writes.Chunk(WritesPerMessage))
        {
            var answers = new ManyAnswers(provider, chunk.Length);
            manager.Tell(new WriteMany(chunk, answers));
            sent.Add((answers, chunk));
        }
        var changed = 0;
        foreach (var (answers, chunk) in sent)
        {
            ManyOutcome outcome;
            try
            {
                outcome = await answers.Outcome.WaitAsync(Settings.WriteTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException e)
            {
                var which = chunk.Count == 1 ? chunk[0].Id : $"{chunk[0].Id}' and {chunk.Count - 1} other(s) of the same batch, up to '{chunk[^1].Id}";
                throw new WriteOutcomeUnknownException(kind, which, Settings.WriteTimeout, e);
            }
            if (outcome.FirstFailure is { } failure)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            }
            changed += outcome.Changed;
        }
        return changed;
    }

    private Stamp ImportedStamp(long ticks, NodeName writer, SiteId site)
    {
        ArgumentNullException.ThrowIfNull(writer);
        NotOwnSite(site);
        if (writer.Site is not null)
        {
            throw new ValidationException("writer", $"must be a node of the site that wrote the value, not an imported writer (got '{writer}')");
        }
        if (ticks <= 0)
        {
            throw new ValidationException("stamp", $"must be a positive clock reading (got {ticks})");
        }
        return new Stamp(ticks, NodeName.Imported(writer, site).Value);
    }

    private void NotOwnSite(SiteId site)
    {
        ArgumentNullException.ThrowIfNull(site);
        if (site.Equals(Settings.Site))
        {
            throw new ValidationException("site", $"'{site}' is this node's own site; only other sites' state is imported");
        }
    }

    /// <summary>The kind's manager, unless this node's pipeline for it has stopped for good.</summary>
    private IActorRef Manager(EntityKind kind)
    {
        var status = runtime.Health[kind];
        if (status.State == PipelineState.Stopped)
        {
            throw new PipelineUnavailableException($"this node no longer serves {kind.Name()} state: {status.Detail}");
        }
        return runtime.ManagerFor(kind);
    }

    private async Task<WriteAck> WriteAsync(EntityKind kind, string id, WriteOp op, CancellationToken cancellationToken)
    {
        try
        {
            return await Manager(kind).Ask<WriteAck>(new Write(id, op), Settings.WriteTimeout, cancellationToken);
        }
        catch (AskTimeoutException e)
        {
            throw new WriteOutcomeUnknownException(kind, id, Settings.WriteTimeout, e);
        }
    }

    private async Task<StateEvent?> GetAsync(EntityKind kind, string id, CancellationToken cancellationToken) =>
        (await Manager(kind).Ask<CurrentState>(new GetEntity(id), Settings.AskTimeout, cancellationToken)).Event;

    private static DeviceSnapshot DeviceOf(DeviceId id, StateEvent? state) =>
        (state as DeviceStateEvent)?.Device ?? new DeviceSnapshot(id, DeviceState.Invalid, []);

    private sealed class Subscription(SubscriptionQueue queue, IActorRef subscriber) : IStateSubscription
    {
        public ChannelReader<StateEvent> Events => queue.Reader;

        public Task Ended => queue.Ended;

        public ValueTask DisposeAsync()
        {
            // Stopping the actor completes the channel; managers watch it and forget it.
            subscriber.Tell(PoisonPill.Instance);
            return ValueTask.CompletedTask;
        }
    }
}
