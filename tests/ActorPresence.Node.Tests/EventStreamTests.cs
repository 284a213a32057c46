using System.Net.Sockets;
using System.Text;
using ActorPresence.Domain;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;
using static ActorPresence.Entities.Messages.EntityCommands;
using static ActorPresence.Entities.Messages.EntityQueries;

namespace ActorPresence.Node.Tests;

public sealed class EventStreamTests(ITestOutputHelper output) : TestKit(output: output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task The_stream_sends_the_current_state_first_then_each_matching_change_in_order()
    {
        await using var node = await TestNodeHost.StartAsync("sse1");
        var api = node.App.Services.GetRequiredService<IActorPresence>();
        await api.SetDeviceStateAsync(new DeviceId("PJSIP/100"), DeviceState.InUse);
        await api.SetDeviceStateAsync(new DeviceId("SIP/other"), DeviceState.Busy);
        await api.SetMailboxAsync(new MailboxId("100"), new MailboxCounts(1, 0));

        await using var stream = await SseClient.ConnectAsync(node.BaseAddress, "/api/v1/events?device=PJSIP/*&mailbox=100@default");
        Assert.Equal("text/event-stream", stream.Response.Content.Headers.ContentType?.MediaType);
        await AwaitAssertAsync(() => Assert.Equal(2, stream.Events.Count), Wait);

        var states = new[] { DeviceState.Ringing, DeviceState.RingInUse, DeviceState.OnHold, DeviceState.NotInUse };
        foreach (var state in states)
        {
            await api.SetDeviceStateAsync(new DeviceId("PJSIP/100"), state);
        }
        await api.SetDeviceStateAsync(new DeviceId("SIP/other"), DeviceState.NotInUse);   // filtered out
        await api.SetPresenceAsync(new PresentityId("x"), new Presence(PresenceState.Away)); // filtered out
        await api.SetMailboxAsync(new MailboxId("100"), new MailboxCounts(0, 1));

        await AwaitAssertAsync(() => Assert.Equal(2 + states.Length + 1, stream.Events.Count), Wait);
        var events = stream.Events;
        var initial = events.Take(2).ToList();
        Assert.All(initial, e => Assert.True(e.Data.GetProperty("initial").GetBoolean()));
        Assert.Equal(["device", "mailbox"], initial.Select(e => e.Event).Order());
        Assert.Equal("INUSE", initial.Single(e => e.Event == "device").Data.GetProperty("value").GetProperty("state").GetString());

        var changes = events.Skip(2).ToList();
        Assert.All(changes, e => Assert.False(e.Data.GetProperty("initial").GetBoolean()));
        Assert.All(changes, e => Assert.Equal("sse1", e.Data.GetProperty("origin").GetString()));
        Assert.Equal(
            states.Select(s => s.ToName()),
            changes.Where(e => e.Event == "device").Select(e => e.Data.GetProperty("value").GetProperty("state").GetString()));
        var mailbox = changes.Single(e => e.Event == "mailbox").Data;
        Assert.Equal("100@default", mailbox.GetProperty("id").GetString());
        Assert.Equal(1, mailbox.GetProperty("value").GetProperty("old").GetInt32());
    }

    [Fact]
    public async Task A_bad_filter_is_refused_with_400()
    {
        await using var node = await TestNodeHost.StartAsync("sse2");
        using var response = await node.Http.GetAsync("/api/v1/events?device=has%20space");
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("device", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_client_of_more_entities_than_its_change_limit_gets_the_whole_current_state_and_then_changes()
    {
        await using var node = await TestNodeHost.StartAsync("sse4");
        var api = node.App.Services.GetRequiredService<IActorPresence>();
        var count = 3 * Api.EventStream.ClientBuffer;
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 16 },
            async (i, ct) => await api.SetDeviceStateAsync(new DeviceId($"PJSIP/{i}"), DeviceState.NotInUse, ct));

        // The snapshot is three times the limit on unread changes; it is not a backlog and is sent whole.
        await using var stream = await SseClient.ConnectAsync(node.BaseAddress, "/api/v1/events?device=*");
        await AwaitAssertAsync(() => Assert.Equal(count, stream.Events.Count), Wait);
        Assert.All(stream.Events, e => Assert.Equal("device", e.Event));
        Assert.Equal(count, stream.Events.Select(e => e.Data.GetProperty("id").GetString()).Distinct().Count());

        await api.SetDeviceStateAsync(new DeviceId("PJSIP/7"), DeviceState.Busy);
        await AwaitAssertAsync(() => Assert.Equal(count + 1, stream.Events.Count), Wait);
        Assert.False(stream.Events[^1].Data.GetProperty("initial").GetBoolean());
        Assert.False(stream.Ended);
    }

    [Fact]
    public async Task A_stalled_client_is_disconnected_without_hurting_another_client()
    {
        await using var node = await TestNodeHost.StartAsync("sse3");
        var api = node.App.Services.GetRequiredService<IActorPresence>();
        var devices = ActorPresenceRuntime.Get(node.App.Services.GetRequiredService<ActorSystem>()).Devices;
        var lamp = new DeviceId("PJSIP/900");
        await api.SetDeviceStateAsync(lamp, DeviceState.NotInUse);

        // A client that asks for the stream and never reads, with the smallest receive window it can get.
        using var stalled = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 1024 };
        await stalled.ConnectAsync(node.BaseAddress.Host, node.BaseAddress.Port);
        await stalled.SendAsync(Encoding.ASCII.GetBytes($"GET /api/v1/events?device=PJSIP/* HTTP/1.1\r\nHost: {node.BaseAddress.Authority}\r\n\r\n"));
        await using var healthy = await SseClient.ConnectAsync(node.BaseAddress, "/api/v1/events?device=PJSIP/*");
        await AwaitAssertAsync(async () => Assert.Equal(2, (await Stats(devices)).Subscribers), Wait);

        // Keep changing the lamp, in bounded rounds, until the stalled client has been cut off.
        DeviceState[] cycle = [DeviceState.Ringing, DeviceState.InUse, DeviceState.OnHold, DeviceState.NotInUse];
        var written = 0;
        for (var round = 0; round < 200 && (await Stats(devices)).Subscribers > 1; round++)
        {
            for (var i = 0; i < 500; i++)
            {
                await api.SetDeviceStateAsync(lamp, cycle[written++ % cycle.Length]);
            }
            // The healthy client keeps up: it has everything written so far.
            await AwaitAssertAsync(() => Assert.Equal(written + 1, healthy.Events.Count), Wait);
        }
        Output!.WriteLine($"stalled client cut off after {written} changes");

        await AwaitAssertAsync(async () => Assert.Equal(1, (await Stats(devices)).Subscribers), Wait);
        Assert.False(healthy.Ended);
        var states = healthy.Events.Skip(1).Select(e => e.Data.GetProperty("value").GetProperty("state").GetString()).ToList();
        Assert.Equal(Enumerable.Range(0, written).Select(i => cycle[i % cycle.Length].ToName()), states);

        // The healthy client still gets new changes after the other was dropped.
        await api.SetDeviceStateAsync(lamp, DeviceState.Busy);
        await AwaitAssertAsync(() => Assert.Equal("BUSY", healthy.Events[^1].Data.GetProperty("value").GetProperty("state").GetString()), Wait);
    }

    private static Task<ManagerStats> Stats(IActorRef manager) => manager.Ask<ManagerStats>(GetStats.Instance, TimeSpan.FromSeconds(5));
}
