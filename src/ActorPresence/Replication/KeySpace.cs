using System.Text;
using ActorPresence.Domain;

namespace ActorPresence.Replication;

/// <summary>
/// The fixed set of distributed-data keys of one entity kind, and which key an entity lives in.
/// Keys are created once at start and never deleted (DESIGN.md §4); an entity's key is a stable
/// hash of its id (FNV-1a over UTF-8, the same on every node and every run), so all views of a
/// device share one key.
/// </summary>
public sealed class KeySpace
{
    public KeySpace(EntityKind kind, int keyCount)
    {
        if (keyCount is < 1 or > 4096)
        {
            throw new ArgumentOutOfRangeException(nameof(keyCount), keyCount, "actorpresence.key-count must be 1–4096");
        }
        Kind = kind;
        Keys = Enumerable.Range(0, keyCount).Select(i => new EntityMapKey(KeyIdPrefix(kind) + i.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToArray();
        _indexOfKey = Keys.Select((key, i) => (key.Id, i)).ToDictionary(x => x.Id, x => x.i, StringComparer.Ordinal);
    }

    private readonly Dictionary<string, int> _indexOfKey;

    public EntityKind Kind { get; }

    public IReadOnlyList<EntityMapKey> Keys { get; }

    public int IndexOf(string id) => (int)(Fnv1a(id) % (uint)Keys.Count);

    public EntityMapKey KeyOf(string id) => Keys[IndexOf(id)];

    /// <summary>The index of the key whose id is <paramref name="keyId"/>; false for a key not of this space.</summary>
    public bool TryIndexOfKey(string keyId, out int index) => _indexOfKey.TryGetValue(keyId, out index);

    /// <summary>What every key id of <paramref name="kind"/> starts with, e.g. <c>ap-device-</c>.</summary>
    public static string KeyIdPrefix(EntityKind kind) => $"ap-{kind.Name()}-";

    internal static uint Fnv1a(string id)
    {
        var hash = 2166136261u;
        Span<byte> buffer = stackalloc byte[4];
        foreach (var rune in id.EnumerateRunes())
        {
            var n = rune.EncodeToUtf8(buffer);
            for (var i = 0; i < n; i++)
            {
                hash = (hash ^ buffer[i]) * 16777619u;
            }
        }
        return hash;
    }
}
