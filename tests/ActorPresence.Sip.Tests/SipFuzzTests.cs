using System.Diagnostics;
using System.Text;
using ActorPresence.Domain;

namespace ActorPresence.Sip.Tests;

/// <summary>
/// Seeded random and mutated input for the parser, the stream framer and the body readers. Each test
/// runs a fixed sequence (the seed makes a failure repeat) and stops early at a time bound, after a
/// minimum number of inputs, so a slow machine still finishes within seconds.
/// </summary>
public sealed class SipFuzzTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(3);

    /// <summary>The bytes that most often break a text protocol's framing and lists.</summary>
    private static readonly byte[] Specials = [.. "\r\n:,\"<> \t;@=/\\"u8, 0x00, 0x7f, 0xc3, 0xff];

    private static byte[] Mutate(Random random, byte[] seed)
    {
        var bytes = new List<byte>(seed);
        for (var n = random.Next(1, 5); n > 0 && bytes.Count > 0; n--)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(7))
            {
                case 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 2:
                    var length = Math.Min(random.Next(1, 200), bytes.Count - at);
                    bytes.InsertRange(random.Next(bytes.Count + 1), bytes.GetRange(at, length));
                    break;
                case 3:
                    bytes.Insert(at, Specials[random.Next(Specials.Length)]);
                    break;
                case 4:
                    bytes.RemoveRange(at, Math.Min(random.Next(1, 40), bytes.Count - at));
                    break;
                case 5:
                    bytes[at] = (byte)random.Next(256);
                    break;
                default:
                    // A header line repeated many times: pushes on the header, Via and size limits.
                    var lineStart = bytes.LastIndexOf((byte)'\n', at) + 1;
                    var lineEnd = bytes.IndexOf((byte)'\n', at);
                    if (lineEnd > lineStart)
                    {
                        var line = bytes.GetRange(lineStart, lineEnd - lineStart + 1);
                        for (var copies = random.Next(1, 80); copies > 0; copies--)
                        {
                            bytes.InsertRange(lineStart, line);
                        }
                    }
                    break;
            }
        }
        return [.. bytes];
    }

    private static void AssertWithinTheRules(SipParseResult result, byte[] input)
    {
        Assert.True(Enum.IsDefined(result.Status), "a defined status");
        if (result.Status != SipParseStatus.Ok)
        {
            Assert.NotNull(result.Error);
            return;
        }
        var m = result.Message!;
        var because = Encoding.UTF8.GetString(input);
        Assert.True(m.Headers.Count(h => h.Name == "Via") >= 1, because);
        foreach (var required in (string[])["From", "To", "Call-ID", "CSeq"])
        {
            Assert.True(m.Headers.Count(h => h.Name == required) == 1, $"one {required}: {because}");
        }
        Assert.True(m.CSeq.Number is > 0 and <= uint.MaxValue, because);
        Assert.True(!m.IsRequest || m.CSeq.Method == m.Method, because);
        Assert.NotNull(NameAddr.TryParse(m["From"]));
        Assert.NotNull(NameAddr.TryParse(m["To"]));
        Assert.All(m.Values("Via"), v => Assert.NotNull(Via.TryParse(v)));
        Assert.True(m.Values("Via").Count() <= SipLimits.MaxVias, because);
        Assert.True(m.Headers.Count <= SipLimits.MaxHeaders, because);
        Assert.All(m.Headers, h => Assert.True(h.Value.Length <= SipLimits.MaxHeaderLength));
        Assert.True(m.Body.Length <= SipLimits.MaxBodyBytes, because);
        Assert.True(m.Body.Length <= input.Length);
    }

    [Fact]
    public void Random_and_mutated_datagrams_never_make_the_parser_throw_and_what_it_accepts_keeps_every_rule()
    {
        var random = new Random(20260507);
        var seeds = SipSamples.Seeds();
        var clock = Stopwatch.StartNew();
        var counts = new Dictionary<SipParseStatus, int> { [SipParseStatus.Ok] = 0, [SipParseStatus.Bad] = 0, [SipParseStatus.Garbage] = 0 };
        var inputs = 0;
        for (; inputs < 60_000 && (inputs < 10_000 || clock.Elapsed < Bound); inputs++)
        {
            byte[] input;
            switch (inputs % 4)
            {
                case 0:
                    input = new byte[random.Next(0, 512)];
                    random.NextBytes(input);
                    break;
                case 1:
                    // Random bytes behind a real start line: reaches the header reader.
                    var tail = new byte[random.Next(0, 512)];
                    random.NextBytes(tail);
                    input = [.. "SUBSCRIBE sip:1000@127.0.0.1 SIP/2.0\r\n"u8, .. tail];
                    break;
                default:
                    input = Mutate(random, seeds[random.Next(seeds.Count)]);
                    break;
            }
            var result = SipParser.Parse(input);
            AssertWithinTheRules(result, input);
            counts[result.Status]++;
        }
        Assert.True(inputs >= 10_000);
        Assert.All(counts, c => Assert.True(c.Value > 0, $"no {c.Key} among {inputs} inputs"));
    }

    [Fact]
    public void Mutated_streams_in_random_chunks_never_make_the_framer_throw_or_return_a_message_over_the_limits()
    {
        var random = new Random(20260508);
        var seeds = SipSamples.Seeds();
        var clock = Stopwatch.StartNew();
        var streams = 0;
        var framed = 0;
        var broken = 0;
        for (; streams < 20_000 && (streams < 3_000 || clock.Elapsed < Bound); streams++)
        {
            var clean = streams % 3 == 0;
            var pieces = new List<byte[]>();
            var expected = new List<byte[]>();
            for (var n = random.Next(1, 5); n > 0; n--)
            {
                if (random.Next(4) == 0)
                {
                    pieces.Add("\r\n\r\n"u8.ToArray());
                    continue;
                }
                var seed = seeds[random.Next(seeds.Count)];
                expected.Add(seed);
                pieces.Add(clean ? seed : Mutate(random, seed));
            }
            var stream = pieces.SelectMany(p => p).ToArray();

            var (messages, error) = Feed(random, stream);

            framed += messages.Count;
            broken += error is null ? 0 : 1;
            foreach (var message in messages)
            {
                Assert.True(message.Length <= SipLimits.MaxMessageBytes);
                var headEnd = SipParser.FindHeadEnd(message, out var separator);
                Assert.InRange(headEnd, 0, SipLimits.MaxHeadBytes);
                Assert.InRange(message.Length - headEnd - separator, 0, SipLimits.MaxBodyBytes);
                AssertWithinTheRules(SipParser.Parse(message), message);
            }
            if (clean)
            {
                Assert.Null(error);
                Assert.Equal(expected, messages);
            }
        }
        Assert.True(streams >= 3_000);
        Assert.True(framed > 0 && broken > 0, $"{framed} messages framed, {broken} streams broken");
    }

    /// <summary>Feeds a stream as the TCP read loop does: append a chunk, take every whole message, stop at the first error.</summary>
    private static (List<byte[]> Messages, string? Error) Feed(Random random, byte[] stream)
    {
        var framer = new SipStreamFramer();
        var messages = new List<byte[]>();
        for (var at = 0; at < stream.Length;)
        {
            var chunk = Math.Min(random.Next(1, 3000), stream.Length - at);
            if (!framer.Append(stream.AsSpan(at, chunk)))
            {
                return (messages, "over the size limit");
            }
            at += chunk;
            while (true)
            {
                var message = framer.Next(out var error);
                if (message is null)
                {
                    if (error is not null)
                    {
                        return (messages, error);
                    }
                    break;
                }
                messages.Add(message);
            }
        }
        return (messages, null);
    }

    [Fact]
    public void Mutated_PIDF_and_Asterisk_bodies_are_read_or_refused_with_the_exceptions_the_edge_catches()
    {
        var random = new Random(20260509);
        byte[][] seeds =
        [
            SipBodies.Pidf("sip:1000@127.0.0.1", "t1", DeviceState.InUse, new Presence(PresenceState.Away, null, "Lunch")),
            SipBodies.Pidf("sip:1000@127.0.0.1", "t1", DeviceState.NotInUse, new Presence(PresenceState.Chat)),
            SipBodies.AsteriskDeviceState(new DeviceId("PJSIP/1000"), DeviceState.InUse, new AsteriskEid("02:00:00:00:00:01")),
            SipBodies.AsteriskMailbox(new MailboxId("1000@default"), new MailboxCounts(2, 5), new AsteriskEid("02:00:00:00:00:01")),
        ];
        var clock = Stopwatch.StartNew();
        var read = 0;
        var inputs = 0;
        for (; inputs < 20_000 && (inputs < 4_000 || clock.Elapsed < Bound); inputs++)
        {
            var seed = seeds[inputs % seeds.Length];
            var input = Mutate(random, seed);
            try
            {
                _ = inputs % seeds.Length < 2 ? SipBodies.ReadPidf(input) : (object)SipBodies.ReadAsterisk(input);
                read++;
            }
            catch (Exception e) when (e is FormatException or ValidationException)
            {
                // What SipEdge.Publications answers with 400.
            }
        }
        Assert.True(read > 0, "some mutated bodies still read");
    }
}
