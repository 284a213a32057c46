using System.Diagnostics;
using System.Text;
using Xunit.Abstractions;
using static ActorPresence.Xmpp.Tests.XmppSamples;

namespace ActorPresence.Xmpp.Tests;

/// <summary>
/// Seeded mutations of real server streams through the framer and the parser, fed in random chunks as
/// the read loop feeds them. The only outcomes allowed are frames within the limits and
/// <see cref="XmppProtocolException"/>: anything else would escape the connection's handling. Runs a
/// fixed sequence (the seed makes a failure repeat) and stops early at a time bound once a minimum is done.
/// </summary>
public sealed class XmppFuzzTests(ITestOutputHelper output)
{
    private const int MaxElementBytes = 2048;
    private const int MaxDepth = 16;
    private static readonly TimeSpan _bound = TimeSpan.FromSeconds(3);

    /// <summary>What most often breaks an XML framer: markup starts and ends, quotes, references, declarations.</summary>
    private static readonly string[] _specials =
        ["<", ">", "'", "\"", "&", "<!", "<?", "/", "/>", "</", "<![CDATA[", "]]>", "<!--", "-->", "&amp;", "&#0;", "&x;", "=", " ", "\0", "\u00e9", "\uFFFD"];

    /// <summary>A real stanza; a quarter of them padded (blanks before the end of its last tag) to within two bytes of the size limit.</summary>
    private static string Stanza(Random random)
    {
        var stanza = Stanzas[random.Next(Stanzas.Length)];
        if (random.Next(4) != 0)
        {
            return stanza;
        }
        var padding = new string(' ', MaxElementBytes - stanza.Length + random.Next(-2, 3));
        var end = stanza.EndsWith("/>", StringComparison.Ordinal) ? stanza.Length - 2 : stanza.Length - 1;
        return stanza[..end] + padding + stanza[end..];
    }

    private static byte[] Mutate(Random random, byte[] seed)
    {
        var bytes = new List<byte>(seed);
        for (var n = random.Next(1, 5); n > 0 && bytes.Count > 0; n--)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(8))
            {
                case 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 2:
                case 3:
                    bytes.InsertRange(at, Encoding.UTF8.GetBytes(_specials[random.Next(_specials.Length)]));
                    break;
                case 4:
                    bytes.RemoveRange(at, Math.Min(random.Next(1, 40), bytes.Count - at));
                    break;
                case 5:
                    // A copied range: pushes elements towards and over the size limit.
                    var length = Math.Min(random.Next(1, 1500), bytes.Count - at);
                    bytes.InsertRange(random.Next(bytes.Count + 1), bytes.GetRange(at, length));
                    break;
                case 6:
                    // Open tags piled up: pushes on the depth limit.
                    bytes.InsertRange(at, Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("<x>", random.Next(1, 24)))));
                    break;
                default:
                    bytes[at] = (byte)random.Next(256);
                    break;
            }
        }
        return [.. bytes];
    }

    private sealed class Tally
    {
        public int Elements;
        public int Parsed;
        public int Headers;
        public int Closes;
        public int Refusals;
        public readonly Dictionary<string, int> Reasons = [];

        public override string ToString() =>
            $"{Headers} headers, {Elements} elements ({Parsed} parsed), {Closes} closes; refused: {string.Join(", ", Reasons.Select(r => $"{r.Key} {r.Value}"))}";
    }

    [Fact]
    public void Mutated_streams_in_random_chunks_give_frames_within_the_limits_or_a_protocol_error_and_nothing_else()
    {
        var random = new Random(20260602);
        var clock = Stopwatch.StartNew();
        var tally = new Tally();
        var streams = 0;
        for (; streams < 20_000 && (streams < 4_000 || clock.Elapsed < _bound); streams++)
        {
            var stanzas = Enumerable.Range(0, random.Next(1, 5)).Select(_ => Stanza(random)).ToList();
            var close = random.Next(3) == 0;
            var text = (random.Next(2) == 0 ? Declaration : "") + Header + string.Join(random.Next(2) == 0 ? "" : "\n ", stanzas) + (close ? Close : "");
            var clean = streams % 5 == 0;
            var input = clean ? Bytes(text) : Mutate(random, Bytes(text));

            var (frames, refusal) = Run(random, input, tally);

            if (clean)
            {
                // Every stanza up to the first one over the limit, which ends the stream.
                var taken = stanzas.TakeWhile(s => s.Length <= MaxElementBytes).ToList();
                List<(XmppFrameKind, string)> expected = [(XmppFrameKind.StreamOpen, Header), .. taken.Select(s => (XmppFrameKind.Element, s))];
                if (close && taken.Count == stanzas.Count)
                {
                    expected.Add((XmppFrameKind.StreamClose, ""));
                }
                Assert.Equal(expected, frames);
                Assert.Equal(taken.Count == stanzas.Count ? null : "oversized", refusal);
            }
        }
        output.WriteLine($"{streams} streams in {clock.ElapsedMilliseconds} ms: {tally}");
        Assert.True(streams >= 4_000);
        Assert.True(tally.Elements > 0 && tally.Parsed > 0 && tally.Headers > 0 && tally.Closes > 0, $"{tally.Elements} elements, {tally.Parsed} parsed");
        foreach (var reason in (string[])["malformed", "oversized"])
        {
            Assert.True(tally.Reasons.GetValueOrDefault(reason) > 0, $"no stream refused as {reason} among {streams}");
        }
        Assert.True(tally.Refusals > 0);
    }

    [Fact]
    public void Random_bytes_after_a_stream_header_give_frames_or_a_protocol_error_and_nothing_else()
    {
        var random = new Random(20260603);
        var clock = Stopwatch.StartNew();
        var tally = new Tally();
        var inputs = 0;
        for (; inputs < 20_000 && (inputs < 4_000 || clock.Elapsed < _bound); inputs++)
        {
            var tail = new byte[random.Next(0, 600)];
            random.NextBytes(tail);
            // Markup-heavy noise half the time: random bytes alone rarely get past the first tag.
            if (inputs % 2 == 1)
            {
                const string Alphabet = "<>/='\"&!?[]- abc:;#x";
                for (var i = 0; i < tail.Length; i++)
                {
                    tail[i] = (byte)Alphabet[tail[i] % Alphabet.Length];
                }
            }
            Run(random, [.. Bytes(Header), .. tail], tally);
        }
        output.WriteLine($"{inputs} inputs in {clock.ElapsedMilliseconds} ms: {tally}");
        Assert.True(inputs >= 4_000);
        Assert.True(tally.Reasons.GetValueOrDefault("malformed") > 0);
    }

    [Fact]
    public void Mutated_stanzas_parsed_alone_give_an_element_or_a_protocol_error_and_nothing_else()
    {
        var random = new Random(20260604);
        var clock = Stopwatch.StartNew();
        var parsed = 0;
        var inputs = 0;
        for (; inputs < 20_000 && (inputs < 4_000 || clock.Elapsed < _bound); inputs++)
        {
            var input = Mutate(random, Bytes(Stanzas[inputs % Stanzas.Length]));
            try
            {
                XmppXml.Parse(input);
                parsed++;
            }
            catch (XmppProtocolException e)
            {
                Assert.Equal("malformed", e.Reason);
            }
            catch (Exception e)
            {
                Assert.Fail($"{e.GetType().Name}: {e.Message} for: {Describe(input)}\n{e.StackTrace}");
            }
        }
        output.WriteLine($"{inputs} inputs in {clock.ElapsedMilliseconds} ms: {parsed} parsed");
        Assert.True(parsed > 0 && parsed < inputs, $"{parsed} of {inputs} parsed");
    }

    [Fact]
    public void Mutated_pubsub_events_give_items_or_the_errors_the_bridge_counts_and_nothing_else()
    {
        var random = new Random(20260605);
        var settings = XmppSettings.FromConfig(ActorPresenceConfig.Defaults);
        System.Xml.Linq.XNamespace ev = XmppXml.PubsubEvent;
        var clock = Stopwatch.StartNew();
        var read = 0;
        var refused = new Dictionary<string, int>();
        var inputs = 0;
        for (; inputs < 20_000 && (inputs < 4_000 || clock.Elapsed < _bound); inputs++)
        {
            var input = Mutate(random, Bytes(inputs % 2 == 0 ? DeviceEvent : MailboxEvent));
            try
            {
                // As the bridge reads an event: every <item> of the <items> of the <event>.
                var items = XmppXml.Parse(input).Element(ev + "event")?.Element(ev + "items");
                foreach (var item in items?.Elements(ev + "item") ?? [])
                {
                    try
                    {
                        AsteriskItems.Read(item, (string?)items!.Attribute("node") ?? "", settings);
                        read++;
                    }
                    catch (AsteriskItemException e)
                    {
                        refused[e.Reason] = refused.GetValueOrDefault(e.Reason) + 1;
                    }
                }
            }
            catch (XmppProtocolException)
            {
            }
            catch (Exception e)
            {
                Assert.Fail($"{e.GetType().Name}: {e.Message} for: {Describe(input)}\n{e.StackTrace}");
            }
        }
        output.WriteLine($"{inputs} inputs in {clock.ElapsedMilliseconds} ms: {read} items read; refused: {string.Join(", ", refused.Select(r => $"{r.Key} {r.Value}"))}");
        Assert.True(read > 0 && refused.Count > 0);
        Assert.All(refused.Keys, reason => Assert.Contains(reason, (string[])["id", "payload", "eid", "state", "counts", "node"]));
    }

    /// <summary>
    /// Feeds <paramref name="input"/> in random chunks, parses every frame as the connection does, and
    /// stops at the first protocol error. Any other exception fails the test, naming the input.
    /// </summary>
    private static (List<(XmppFrameKind, string)> Frames, string? Refusal) Run(Random random, byte[] input, Tally tally)
    {
        var framer = new XmppFramer(MaxElementBytes, MaxDepth);
        var frames = new List<(XmppFrameKind, string)>();
        try
        {
            for (var at = 0; at < input.Length;)
            {
                var chunk = Math.Min(random.Next(1, 400), input.Length - at);
                framer.Append(input.AsSpan(at, chunk));
                at += chunk;
                while (framer.TryRead(out var frame))
                {
                    frames.Add((frame.Kind, Encoding.UTF8.GetString(frame.Bytes)));
                    Check(frame, tally);
                }
            }
        }
        catch (XmppProtocolException e)
        {
            Assert.True(e.Reason is "malformed" or "oversized", $"reason '{e.Reason}' for: {Describe(input)}");
            tally.Reasons[e.Reason] = tally.Reasons.GetValueOrDefault(e.Reason) + 1;
            tally.Refusals++;
            return (frames, e.Reason);
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            Assert.Fail($"{e.GetType().Name}: {e.Message} for: {Describe(input)}\n{e.StackTrace}");
        }
        return (frames, null);
    }

    /// <summary>One frame within its limits, parsed as the connection parses it; a parse error is a protocol error.</summary>
    private static void Check(XmppFrame frame, Tally tally)
    {
        switch (frame.Kind)
        {
            case XmppFrameKind.StreamOpen:
                Assert.InRange(frame.Bytes.Length, 2, XmppFramer.MaxStreamHeaderBytes);
                tally.Headers++;
                XmppXml.ParseStreamHeader(frame.Bytes);
                break;
            case XmppFrameKind.Element:
                Assert.InRange(frame.Bytes.Length, 2, MaxElementBytes);
                Assert.Equal((byte)'<', frame.Bytes[0]);
                Assert.Equal((byte)'>', frame.Bytes[^1]);
                tally.Elements++;
                var element = XmppXml.Parse(frame.Bytes);
                Assert.True(element.DescendantsAndSelf().Max(Depth) <= MaxDepth, "an element deeper than the limit");
                tally.Parsed++;
                break;
            case XmppFrameKind.StreamClose:
                Assert.Empty(frame.Bytes);
                tally.Closes++;
                break;
            default:
                Assert.Fail($"an undefined frame kind {frame.Kind}");
                break;
        }
    }

    private static int Depth(System.Xml.Linq.XElement element) => element.AncestorsAndSelf().Count();

    private static string Describe(byte[] input) => Convert.ToBase64String(input);
}
