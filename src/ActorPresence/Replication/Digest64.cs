namespace ActorPresence.Replication;

/// <summary>
/// A 64-bit digest built by folding values in order: FNV-1a over the bytes of each value (strings
/// as UTF-16 code units, with their length first, so "ab","c" and "a","bc" differ). The same on every
/// node, run and version, unlike <see cref="HashCode"/>, which is seeded per process: two nodes
/// compare the digests of their replicas' keys to read only the keys that differ
/// (<see cref="KeyDigests"/>). Never zero once finished (<see cref="Value"/>), so zero can mean
/// "not known".
/// </summary>
internal readonly struct Digest64
{
    private const ulong Offset = 14695981039346656037UL;
    private const ulong Prime = 1099511628211UL;

    private readonly ulong _hash;
    private readonly bool _started;

    private Digest64(ulong hash)
    {
        _hash = hash;
        _started = true;
    }

    private ulong Hash => _started ? _hash : Offset;

    public Digest64 Add(ulong value)
    {
        var h = Hash;
        for (var i = 0; i < 8; i++, value >>= 8)
        {
            h = (h ^ (value & 0xff)) * Prime;
        }
        return new Digest64(h);
    }

    public Digest64 Add(long value) => Add((ulong)value);

    public Digest64 Add(int value) => Add((ulong)(uint)value);

    public Digest64 Add(string text)
    {
        var h = Add(text.Length).Hash;
        foreach (var c in text)
        {
            h = (h ^ (c & 0xffu)) * Prime;
            h = (h ^ (uint)(c >> 8)) * Prime;
        }
        return new Digest64(h);
    }

    /// <summary>The digest, mixed (MurmurHash3's finaliser) so that nearby inputs spread; never zero.</summary>
    public ulong Value
    {
        get
        {
            var h = Hash;
            h ^= h >> 33;
            h *= 0xff51afd7ed558ccdUL;
            h ^= h >> 33;
            h *= 0xc4ceb9fe1a85ec53UL;
            h ^= h >> 33;
            return h == 0 ? 1 : h;
        }
    }
}
