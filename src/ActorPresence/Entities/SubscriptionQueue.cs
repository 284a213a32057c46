using System.Threading.Channels;
using ActorPresence.Domain;

namespace ActorPresence.Entities;

/// <summary>
/// The events waiting for one subscriber (a library subscription, an event-stream client). Only
/// changes count against its limit: the current state sent when it subscribes is a snapshot to
/// read, not a backlog, so a subscriber of 10,000 entities can subscribe although its limit is 1,000. Events leave in the
/// order they came and the snapshot comes first, so the unread events are the snapshot's unread
/// part followed by the unread changes.
/// </summary>
public sealed class SubscriptionQueue(int changeLimit)
{
    // Not SingleReader: that variant cannot count its unread items.
    private readonly Channel<StateEvent> _channel = Channel.CreateUnbounded<StateEvent>();
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _written;
    private long _initialWritten;

    public ChannelReader<StateEvent> Reader => _channel.Reader;

    /// <summary>Completes when no more events will be queued, faulted with the reason if the
    /// subscription was ended by an error; unlike the reader's completion, it does not wait for
    /// the unread events to be read.</summary>
    public Task Ended => _ended.Task;

    public int ChangeLimit => changeLimit;

    /// <summary>
    /// Queues <paramref name="e"/>, as an entity actor or manager delivers it (from any thread). When
    /// the subscriber already has its limit of unread changes the subscription ends with
    /// <see cref="SubscriptionOverflowException"/> and this returns false (once); events offered
    /// after the end are dropped.
    /// </summary>
    public bool Offer(StateEvent e)
    {
        if (TryEnqueue(e) || _ended.Task.IsCompleted)
        {
            return true;
        }
        Complete(new SubscriptionOverflowException(changeLimit));
        return false;
    }

    /// <summary>Queues <paramref name="e"/>, or returns false when the subscriber already has <c>changeLimit</c> unread changes.</summary>
    public bool TryEnqueue(StateEvent e)
    {
        lock (_gate)
        {
            if (!e.IsInitial && UnreadChanges() >= changeLimit)
            {
                return false;
            }
            _written++;
            if (e.IsInitial)
            {
                _initialWritten++;
            }
            return _channel.Writer.TryWrite(e);
        }
    }

    /// <summary>No more events; the reader sees <paramref name="error"/> (if any) once it has read the rest.</summary>
    public void Complete(Exception? error = null)
    {
        if (_channel.Writer.TryComplete(error))
        {
            if (error is null)
            {
                _ended.TrySetResult();
            }
            else
            {
                _ended.TrySetException(error);
            }
        }
    }

    private long UnreadChanges()
    {
        long unread = _channel.Reader.Count;
        var read = _written - unread;
        var unreadInitial = Math.Max(0, _initialWritten - read);
        return unread - unreadInitial;
    }
}
