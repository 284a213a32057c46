using ActorPresence.Entities;
using Akka.Actor;
using Akka.TestKit.Xunit2;

namespace ActorPresence.Tests.Pipeline;

public sealed class EntityMailboxTests : TestKit
{
    [Fact]
    public void Messages_leave_in_the_order_they_came_and_what_is_left_at_clean_up_goes_to_dead_letters()
    {
        var queue = new EntityMessageQueue();
        Assert.False(queue.HasMessages);
        for (var i = 0; i < 100; i++)
        {
            queue.Enqueue(TestActor, new Envelope(i, TestActor));
        }

        Assert.True(queue.HasMessages);
        Assert.Equal(100, queue.Count);
        for (var i = 0; i < 60; i++)
        {
            Assert.True(queue.TryDequeue(out var envelope));
            Assert.Equal(i, envelope.Message);
        }
        var deadLetters = new EntityMessageQueue();
        queue.CleanUp(TestActor, deadLetters);

        Assert.False(queue.HasMessages);
        Assert.Equal(40, deadLetters.Count);
        Assert.True(deadLetters.TryDequeue(out var first));
        Assert.Equal(60, first.Message);
    }

    [Fact]
    public async Task Senders_on_many_threads_lose_nothing()
    {
        var queue = new EntityMessageQueue();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 10_000; i++)
            {
                queue.Enqueue(TestActor, new Envelope((t, i), TestActor));
            }
        })));

        var last = new int[8];
        Array.Fill(last, -1);
        var count = 0;
        while (queue.TryDequeue(out var envelope))
        {
            var (t, i) = ((int, int))envelope.Message;
            Assert.True(i > last[t], "per sender, in order");
            last[t] = i;
            count++;
        }
        Assert.Equal(80_000, count);
    }

    [Fact]
    public async Task A_reader_running_beside_the_senders_gets_everything_in_each_senders_order()
    {
        var queue = new EntityMessageQueue();
        var senders = Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 50_000; i++)
            {
                queue.Enqueue(TestActor, new Envelope((t, i), TestActor));
            }
        })));

        var last = new int[4];
        Array.Fill(last, -1);
        var count = 0;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (count < 200_000 && DateTime.UtcNow < deadline)
        {
            if (!queue.TryDequeue(out var envelope))
            {
                Thread.Yield();
                continue;
            }
            var (t, i) = ((int, int))envelope.Message;
            Assert.Equal(last[t] + 1, i);
            last[t] = i;
            count++;
        }
        await senders;

        Assert.Equal(200_000, count);
        Assert.False(queue.HasMessages);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task Actors_on_this_mailbox_answer_every_message_sent_while_they_finish_a_run()
    {
        // A new actor asked at once: its first message arrives while the actor's mailbox runs its
        // creation and then sets itself idle, the moment a lost wake-up would strand the message.
        // (The lost wake-up fixed in EntityMessageQueue showed once in some 50,000 new mailboxes in
        // the round-trip micro-benchmark; this test did not reproduce it in two runs without the fix.)
        using var system = ActorSystem.Create("wakeups", ActorPresenceConfig.Defaults.WithFallback(Akka.Configuration.ConfigurationFactory.ParseString("akka.actor.provider = local")));
        var props = Props.Create(() => new Echo()).WithMailbox(EntityMailbox.Id);

        var answered = await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(async () =>
        {
            var count = 0;
            for (var i = 0; i < 25_000; i++)
            {
                var actor = system.ActorOf(props);
                Assert.Equal(i, await actor.Ask<int>(i, TimeSpan.FromSeconds(10)));
                system.Stop(actor);
                count++;
            }
            return count;
        })));

        Assert.Equal(100_000, answered.Sum());
    }

    private sealed class Echo : UntypedActor
    {
        protected override void OnReceive(object message) => Sender.Tell(message);
    }

    [Fact]
    public void Entity_actors_get_this_mailbox_from_the_embedded_configuration()
    {
        using var system = ActorSystem.Create("mailbox", ActorPresenceConfig.Defaults.WithFallback(Akka.Configuration.ConfigurationFactory.ParseString("akka.actor.provider = local")));

        var type = system.Mailboxes.Lookup(EntityMailbox.Id);

        Assert.IsType<EntityMailbox>(type);
    }
}
