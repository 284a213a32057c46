using ActorPresence.Domain;
using ActorPresence.Replication;

namespace ActorPresence.Tests;

public sealed class KeySpaceTests
{
    [Fact]
    public void The_same_id_always_maps_to_the_same_key()
    {
        var first = new KeySpace(EntityKind.Device, 64);
        var second = new KeySpace(EntityKind.Device, 64);

        foreach (var id in new[] { "PJSIP/1000", "Custom:lamp1", "jos\u00e9", "\U0001F600", "" })
        {
            Assert.Equal(first.KeyOf(id).Id, first.KeyOf(id).Id);
            Assert.Equal(first.KeyOf(id).Id, second.KeyOf(id).Id);
            Assert.Equal(first.IndexOf(id), second.IndexOf(id));
        }
    }

    [Theory]
    [InlineData("", 0x811c9dc5u)]
    [InlineData("a", 0xe40c292cu)]
    [InlineData("foobar", 0xbf9cf968u)]
    [InlineData("PJSIP/1000", 0x2029a22fu)]
    [InlineData("jos\u00e9", 0xebdd69a7u)]
    [InlineData("\U0001F600", 0x33a29608u)]
    public void The_hash_is_FNV_1a_over_UTF8_so_every_node_and_every_run_agree(string id, uint expected)
    {
        Assert.Equal(expected, KeySpace.Fnv1a(id));
    }

    [Theory]
    [InlineData("PJSIP/1000", "ap-device-47")]
    [InlineData("jos\u00e9", "ap-device-39")]
    [InlineData("\U0001F600", "ap-device-8")]
    public void A_known_id_lands_in_a_known_key(string id, string key)
    {
        Assert.Equal(key, new KeySpace(EntityKind.Device, 64).KeyOf(id).Id);
    }

    [Fact]
    public void Ten_thousand_ids_spread_roughly_evenly_over_64_keys()
    {
        var space = new KeySpace(EntityKind.Device, 64);
        var counts = new int[64];
        for (var i = 0; i < 10_000; i++)
        {
            counts[space.IndexOf($"PJSIP/{1000 + i}")]++;
        }

        var mean = 10_000 / 64.0;
        Assert.All(counts, count => Assert.InRange(count, mean * 0.5, mean * 2.0));
    }

    [Fact]
    public void Ten_thousand_mixed_ids_spread_roughly_evenly_over_64_keys()
    {
        var space = new KeySpace(EntityKind.Presence, 64);
        var counts = new int[64];
        for (var i = 0; i < 10_000; i++)
        {
            var id = (i % 4) switch
            {
                0 => $"Custom:lamp{i}",
                1 => $"user{i}@example.com",
                2 => $"jos\u00e9{i}",
                _ => $"SIP/trunk-{i:x}",
            };
            counts[space.IndexOf(id)]++;
        }

        var mean = 10_000 / 64.0;
        Assert.All(counts, count => Assert.InRange(count, mean * 0.5, mean * 2.0));
    }

    [Fact]
    public void The_key_ids_are_named_by_kind_and_index()
    {
        Assert.Equal(
            Enumerable.Range(0, 64).Select(i => $"ap-device-{i}"),
            new KeySpace(EntityKind.Device, 64).Keys.Select(k => k.Id));
        Assert.Equal(["ap-mailbox-0", "ap-mailbox-1"], new KeySpace(EntityKind.Mailbox, 2).Keys.Select(k => k.Id));
        Assert.Equal(["ap-presence-0"], new KeySpace(EntityKind.Presence, 1).Keys.Select(k => k.Id));
    }

    [Fact]
    public void Every_index_is_within_the_key_count()
    {
        var space = new KeySpace(EntityKind.Mailbox, 7);
        for (var i = 0; i < 1000; i++)
        {
            var id = $"{i}@default";
            Assert.InRange(space.IndexOf(id), 0, 6);
            Assert.Same(space.Keys[space.IndexOf(id)], space.KeyOf(id));
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(4097)]
    public void A_key_count_outside_1_to_4096_is_refused(int keyCount)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new KeySpace(EntityKind.Device, keyCount));
    }
}
