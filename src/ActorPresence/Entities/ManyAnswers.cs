using Akka.Actor;
using static ActorPresence.Entities.Messages.EntityCommands;

namespace ActorPresence.Entities;

/// <summary>
/// Where the answers to one <see cref="WriteMany"/> go: a reference that is no actor (no mailbox, no
/// message to itself), as Akka's own asks use, counting the answers as they are told to it and
/// completing <see cref="Outcome"/> when every write has been answered.
/// </summary>
internal sealed class ManyAnswers : MinimalActorRef
{
    private readonly TaskCompletionSource<ManyOutcome> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _left;
    private int _changed;
    private Exception? _firstFailure;
    private int _failed;

    public ManyAnswers(IActorRefProvider provider, int writes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(writes);
        Provider = provider;
        Path = provider.TempPath();
        _left = writes;
    }

    public override ActorPath Path { get; }

    public override IActorRefProvider Provider { get; }

    public Task<ManyOutcome> Outcome => _outcome.Task;

    protected override void TellInternal(object message, IActorRef sender)
    {
        switch (message)
        {
            case WriteAck { Changed: true }:
                Interlocked.Increment(ref _changed);
                break;
            case WriteAck:
                break;
            case Status.Failure failure:
                Interlocked.CompareExchange(ref _firstFailure, failure.Cause, null);
                Interlocked.Increment(ref _failed);
                break;
            default:
                // Nothing else is sent here; a stray message is no answer.
                return;
        }
        if (Interlocked.Decrement(ref _left) == 0)
        {
            _outcome.TrySetResult(new ManyOutcome(Volatile.Read(ref _changed), Volatile.Read(ref _failed), Volatile.Read(ref _firstFailure)));
        }
    }
}

/// <summary>How the writes of one <see cref="WriteMany"/> went.</summary>
/// <param name="Changed">Writes that changed their entity.</param>
/// <param name="Failed">Writes answered with a failure; <paramref name="FirstFailure"/> is one of them.</param>
internal sealed record ManyOutcome(int Changed, int Failed, Exception? FirstFailure);
