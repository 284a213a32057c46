using System.Security.Cryptography.X509Certificates;
using ActorPresence.Domain;
using ActorPresence.Federation.Wire;
using Akka.TestKit.Xunit2;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace ActorPresence.Federation.Tests;

/// <summary>A peer with a valid certificate that breaks the link's rules, driven frame by frame by a raw gRPC client.</summary>
public sealed class HostilePeerTests(ITestOutputHelper output) : TestKit(output: output)
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Bad_entries_are_dropped_and_a_frame_out_of_order_or_over_the_limit_ends_the_link_each_counted_while_the_site_runs_on()
    {
        using var refusals = new RefusalCounter();
        using var federation = new Federation();
        await using var b = await Site.StartAsync(federation, "b", 1, ["a"], Output!, _ => "actorpresence.federation.max-frame-bytes = 65536");
        await AwaitAssertAsync(() => Assert.NotNull(b[0].Host.Services.GetRequiredService<SiteLinksHostedService>().Links?.Gateway), Wait);
        using var certificate = X509CertificateLoader.LoadPkcs12FromFile(federation.Ca.WritePkcs12("a", "raw-pass", "raw-a"), "raw-pass");
        using var channel = GrpcChannel.ForAddress($"https://127.0.0.1:{federation.PortOf("b", 0)}", new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                SslOptions = { ClientCertificates = [certificate], RemoteCertificateValidationCallback = (_, _, _, _) => true },
            },
        });
        var client = new SiteLink.SiteLinkClient(channel);

        // One good entry among bad ones: a state that does not exist, a value that claims b's own
        // site as its writer's (a forged origin), an invalid id.
        using (var call = client.Link())
        {
            await call.RequestStream.WriteAsync(new Frame { Hello = new Hello { Version = 1 } });
            await call.RequestStream.WriteAsync(new Frame
            {
                Changes = new Entries
                {
                    Items =
                    {
                        new Entry { Device = new DeviceAggregate { Id = "PJSIP/ok", State = "INUSE", Ticks = DateTime.UtcNow.Ticks } },
                        new Entry { Device = new DeviceAggregate { Id = "PJSIP/bad", State = "SMOKING" } },
                        new Entry { Mailbox = new MailboxValue { Id = "1000", New = 1, Ticks = DateTime.UtcNow.Ticks, Writer = "b1@b" } },
                        new Entry { Presence = new PresenceValue { Id = "", State = "away", Ticks = DateTime.UtcNow.Ticks, Writer = "a1" } },
                    },
                },
            });
            await AwaitAssertAsync(async () =>
            {
                var device = await b[0].Api.GetDeviceAsync(new DeviceId("PJSIP/ok"));
                Assert.Equal("@a", Assert.Single(device!.Views).Node.Value);
                Assert.Equal(3, refusals.Entries);
            }, Wait);
            Assert.Null(await b[0].Api.GetDeviceAsync(new DeviceId("PJSIP/bad")));
            Assert.Null(await b[0].Api.GetMailboxAsync(new MailboxId("1000")));

            // A frame over max-frame-bytes (64 kB here): the link ends.
            var big = new Entries();
            for (var i = 0; i < 4_000; i++)
            {
                big.Items.Add(new Entry { Device = new DeviceAggregate { Id = $"PJSIP/big-{i:D8}", State = "BUSY" } });
            }
            Assert.True(new Frame { Changes = big }.CalculateSize() > 65_536);
            try
            {
                await call.RequestStream.WriteAsync(new Frame { Changes = big });
            }
            catch (RpcException)
            {
                // The node may end the call while the rest of the frame is still being written.
            }
            await Assert.ThrowsAsync<RpcException>(() => DrainAsync(call.ResponseStream));
            // It was the size: the node counted a refused frame (and logged it).
            await AwaitAssertAsync(() => Assert.Equal(1, refusals.Frames), Wait);
        }
        Assert.Null(await b[0].Api.GetDeviceAsync(new DeviceId("PJSIP/big-00000001")));

        // Entries before Hello: the link ends at once.
        var framesBefore = refusals.Frames;
        using (var call = client.Link())
        {
            await call.RequestStream.WriteAsync(new Frame { Changes = new Entries { Items = { new Entry { Device = new DeviceAggregate { Id = "PJSIP/early", State = "BUSY" } } } } });
            var ended = await Assert.ThrowsAsync<RpcException>(() => DrainAsync(call.ResponseStream));
            Assert.Equal(StatusCode.InvalidArgument, ended.StatusCode);
        }
        Assert.Equal(framesBefore + 1, refusals.Frames);
        Assert.Null(await b[0].Api.GetDeviceAsync(new DeviceId("PJSIP/early")));

        // The site runs on.
        await b[0].Api.SetDeviceStateAsync(new DeviceId("PJSIP/local"), DeviceState.Ringing);
        Assert.Equal(DeviceState.Ringing, (await b[0].Api.GetDeviceAsync(new DeviceId("PJSIP/local")))?.State);
    }

    private static async Task DrainAsync(IAsyncStreamReader<Frame> frames)
    {
        using var timeout = new CancellationTokenSource(Wait);
        while (await frames.MoveNext(timeout.Token))
        {
        }
    }
}
