using Akka.Actor;
using static ActorPresence.Entities.Messages.EntityQueries;

namespace ActorPresence.Entities;

/// <summary>
/// Rounds of reading every key of the local replica, one round at a time (the replicator answers
/// in order, so a round ends with the answer for its last key). A manager reads rather than
/// subscribes: a read is a reference to the current value, while a subscription makes the
/// replicator digest every changed key at each notification. Listing waits for a round that
/// started after it was asked, so it sees every write acknowledged before.
/// </summary>
internal sealed class ReplicaPoll(int keyCount)
{
    private int _answered;
    private bool _inFlight;
    private bool _again;

    /// <summary>Rounds started and completed since the manager started.</summary>
    public long Started { get; private set; }

    public long Completed { get; private set; }

    /// <summary>Listings waiting for round <c>Round</c> to complete.</summary>
    public List<(ListIds List, IActorRef ReplyTo, long Round)> Waiting { get; } = [];

    /// <summary>Whether another round is due now (asked for while one ran, or listings still wait).</summary>
    public bool MustPollAgain => !_inFlight && (_again || Waiting.Count > 0);

    /// <summary>Starts a round; false (and one more round due afterwards) when one is running.</summary>
    public bool TryStart()
    {
        if (_inFlight)
        {
            _again = true;
            return false;
        }
        _inFlight = true;
        _again = false;
        _answered = 0;
        Started++;
        return true;
    }

    /// <summary>One key answered; true when that completed the round.</summary>
    public bool Answered()
    {
        if (!_inFlight || ++_answered < keyCount)
        {
            return false;
        }
        _inFlight = false;
        Completed = Started;
        return true;
    }

    /// <summary>The listings whose round has completed, removed from the waiting list.</summary>
    public List<(ListIds List, IActorRef ReplyTo)> TakeSatisfied()
    {
        var due = new List<(ListIds, IActorRef)>();
        Waiting.RemoveAll(w =>
        {
            if (w.Round > Completed)
            {
                return false;
            }
            due.Add((w.List, w.ReplyTo));
            return true;
        });
        return due;
    }
}
