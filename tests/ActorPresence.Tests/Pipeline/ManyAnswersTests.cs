using ActorPresence.Entities;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using static ActorPresence.Entities.Messages.EntityCommands;

namespace ActorPresence.Tests.Pipeline;

public sealed class ManyAnswersTests : TestKit
{
    private IActorRefProvider Provider => ((ExtendedActorSystem)Sys).Provider;

    [Fact]
    public async Task The_outcome_comes_with_the_last_answer_and_counts_changes_and_failures()
    {
        var answers = new ManyAnswers(Provider, 3);
        var refused = new InvalidOperationException("refused");

        answers.Tell(new WriteAck(true, null));
        answers.Tell(new WriteAck(false, null));
        Assert.False(answers.Outcome.IsCompleted);
        answers.Tell(new Status.Failure(refused));
        var outcome = await answers.Outcome.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.Equal(new ManyOutcome(1, 1, refused), outcome);
    }

    [Fact]
    public async Task A_message_that_is_no_answer_is_not_counted()
    {
        var answers = new ManyAnswers(Provider, 1);

        answers.Tell("stray");

        Assert.False(answers.Outcome.IsCompleted);
        answers.Tell(new WriteAck(true, null));
        Assert.Equal(new ManyOutcome(1, 0, null), await answers.Outcome.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Answers_told_from_many_threads_at_once_are_all_counted()
    {
        const int writes = 10_000;
        var answers = new ManyAnswers(Provider, writes);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = t; i < writes; i += 4)
            {
                answers.Tell(new WriteAck(i % 2 == 0, null));
            }
        })));

        Assert.Equal(new ManyOutcome(writes / 2, 0, null), await answers.Outcome.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void Each_has_a_path_of_its_own()
    {
        var first = new ManyAnswers(Provider, 1);
        var second = new ManyAnswers(Provider, 1);

        Assert.NotEqual(first.Path, second.Path);
        Assert.NotEqual<IActorRef>(first, second);
    }
}
