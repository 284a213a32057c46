using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;

namespace ActorPresence.Replication;

/// <summary>
/// The 32-bit hash that orders the entities of an <see cref="EntityMap"/>: 64-bit FNV-1a over the
/// id's UTF-8 bytes, then the MurmurHash3 finaliser, upper half. The same on every node, run and
/// version: it fixes the canonical order, hence the bytes that distributed data digests, so it may
/// never change (a test pins it). Not <see cref="KeySpace.Fnv1a"/>: every id of one key shares
/// that hash modulo the key count, so its low bits would not spread a key's entities at all.
/// </summary>
internal static class EntityHash
{
    private const ulong Offset = 14695981039346656037UL;
    private const ulong Prime = 1099511628211UL;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static uint Of(string id)
    {
        var hash = Offset;
        foreach (var c in id)
        {
            if (c >= 0x80)
            {
                return OfUtf8(id);
            }
            hash = (hash ^ c) * Prime;
        }
        return Finish(hash);
    }

    private static uint OfUtf8(string id)
    {
        // Lone surrogates become U+FFFD, as in KeySpace.Fnv1a; ids are validated before they get here.
        var length = Encoding.UTF8.GetByteCount(id);
        var rented = length > 256 ? ArrayPool<byte>.Shared.Rent(length) : null;
        try
        {
            Span<byte> bytes = rented is null ? stackalloc byte[length] : rented.AsSpan(0, length);
            Encoding.UTF8.GetBytes(id, bytes);
            var hash = Offset;
            foreach (var b in bytes)
            {
                hash = (hash ^ b) * Prime;
            }
            return Finish(hash);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static uint Finish(ulong hash)
    {
        hash ^= hash >> 33;
        hash *= 0xff51afd7ed558ccdUL;
        hash ^= hash >> 33;
        hash *= 0xc4ceb9fe1a85ec53UL;
        hash ^= hash >> 33;
        return (uint)(hash >> 32);
    }
}
