using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace ActorPresence.Sip;

internal enum DigestOutcome
{
    Accepted,

    /// <summary>No credentials, or for another realm, or on a nonce that has expired: challenge (again).</summary>
    Missing,

    /// <summary>Credentials that do not match: 403.</summary>
    Wrong,
}

/// <summary>
/// HTTP digest authentication for SIP (RFC 3261 22, RFC 2617 with MD5 and qop=auth, what phones and
/// Asterisk speak). Nonces are stateless: a time and an HMAC of it under a key made at start, valid
/// for five minutes.
/// </summary>
internal sealed class DigestAuthenticator(string realm, IReadOnlyDictionary<string, string> users, TimeProvider time)
{
    private static readonly TimeSpan NonceLifetime = TimeSpan.FromMinutes(5);

    private readonly byte[] _key = RandomNumberGenerator.GetBytes(32);

    public string Challenge(bool stale) =>
        $"Digest realm={SipText.Quote(realm)}, nonce={SipText.Quote(NewNonce())}, algorithm=MD5, qop=\"auth\"{(stale ? ", stale=TRUE" : "")}";

    public DigestOutcome Check(SipMessage request, out bool stale)
    {
        stale = false;
        var header = request["Authorization"];
        if (header is null || !header.StartsWith("Digest ", StringComparison.OrdinalIgnoreCase))
        {
            return DigestOutcome.Missing;
        }
        var fields = Fields(header["Digest ".Length..]);
        if (!fields.TryGetValue("username", out var user) || !fields.TryGetValue("nonce", out var nonce)
            || !fields.TryGetValue("uri", out var uri) || !fields.TryGetValue("response", out var response)
            || !string.Equals(fields.GetValueOrDefault("realm"), realm, StringComparison.Ordinal))
        {
            return DigestOutcome.Missing;
        }
        if (fields.TryGetValue("algorithm", out var algorithm) && !algorithm.Equals("MD5", StringComparison.OrdinalIgnoreCase))
        {
            return DigestOutcome.Missing;
        }
        if (!SameTarget(uri, request.RequestUri))
        {
            // Credentials made for another server (RFC 2617 3.2.2.5): not replayed here.
            return DigestOutcome.Wrong;
        }
        if (!ValidNonce(nonce, out stale))
        {
            return DigestOutcome.Missing;
        }
        if (!users.TryGetValue(user, out var password))
        {
            return DigestOutcome.Wrong;
        }
        var ha1 = Md5($"{user}:{realm}:{password}");
        var ha2 = Md5($"{request.Method}:{uri}");
        string expected;
        if (fields.TryGetValue("qop", out var qop))
        {
            if (!qop.Equals("auth", StringComparison.OrdinalIgnoreCase) || !fields.TryGetValue("nc", out var nc) || !fields.TryGetValue("cnonce", out var cnonce))
            {
                return DigestOutcome.Wrong;
            }
            expected = Md5($"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}");
        }
        else
        {
            expected = Md5($"{ha1}:{nonce}:{ha2}");
        }
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(response.ToLowerInvariant()))
            ? DigestOutcome.Accepted
            : DigestOutcome.Wrong;
    }

    /// <summary>Whether the digest's uri names the request-URI's host and port. The user part is not compared:
    /// clients differ there (sipp sends the server's address alone), and the nonce is short-lived anyway.</summary>
    private static bool SameTarget(string digestUri, string? requestUri)
    {
        if (string.Equals(digestUri, requestUri, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }
        var (a, b) = (SipUri.TryParse(digestUri), SipUri.TryParse(requestUri));
        return a is not null && b is not null && string.Equals(a.Host, b.Host, StringComparison.OrdinalIgnoreCase) && (a.Port ?? 5060) == (b.Port ?? 5060);
    }

    private string NewNonce()
    {
        var issued = time.GetUtcNow().ToUnixTimeSeconds().ToString("x", CultureInfo.InvariantCulture);
        return issued + "." + Sign(issued);
    }

    private bool ValidNonce(string nonce, out bool stale)
    {
        stale = false;
        var dot = nonce.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0)
        {
            return false;
        }
        var issued = nonce[..dot];
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(nonce[(dot + 1)..]), Encoding.ASCII.GetBytes(Sign(issued)))
            || !long.TryParse(issued, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var seconds))
        {
            return false;
        }
        var age = time.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(seconds);
        stale = age > NonceLifetime || age < -TimeSpan.FromMinutes(1);
        return !stale;
    }

    private string Sign(string text) => Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.ASCII.GetBytes(text)))[..32];

#pragma warning disable CA5351 // MD5 is what SIP digest (RFC 2617) is defined with; it is what phones speak.
    private static string Md5(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));
#pragma warning restore CA5351

    /// <summary>The comma-separated name=value fields of a digest header; quoted values unquoted.</summary>
    private static Dictionary<string, string> Fields(string text)
    {
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var item in SipText.SplitList(text))
        {
            var eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                continue;
            }
            var value = item[(eq + 1)..].Trim();
            if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
            {
                value = value[1..^1].Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
            }
            fields[item[..eq].Trim()] = value;
        }
        return fields;
    }
}

/// <summary>A token bucket per source address: <c>rate</c> requests a second, <c>burst</c> at once.</summary>
internal sealed class SourceRateLimiter(int rate, int burst, TimeProvider time)
{
    private const int MaxSources = 100_000;

    private readonly ConcurrentDictionary<IPAddress, Bucket> _buckets = new();

    public bool TryTake(IPAddress source)
    {
        var now = time.GetTimestamp();
        if (!_buckets.TryGetValue(source, out var bucket))
        {
            if (_buckets.Count >= MaxSources)
            {
                return false;
            }
            bucket = _buckets.GetOrAdd(source, _ => new Bucket(burst, now));
        }
        lock (bucket)
        {
            var elapsed = time.GetElapsedTime(bucket.At, now).TotalSeconds;
            bucket.Tokens = Math.Min(burst, bucket.Tokens + elapsed * rate);
            bucket.At = now;
            if (bucket.Tokens < 1)
            {
                return false;
            }
            bucket.Tokens -= 1;
            return true;
        }
    }

    /// <summary>Forgets sources whose bucket has refilled (quiet for burst/rate seconds).</summary>
    public void Sweep()
    {
        var now = time.GetTimestamp();
        var full = TimeSpan.FromSeconds((double)burst / rate);
        foreach (var (address, bucket) in _buckets)
        {
            if (time.GetElapsedTime(bucket.At, now) > full)
            {
                _buckets.TryRemove(address, out _);
            }
        }
    }

    private sealed class Bucket(double tokens, long at)
    {
        public double Tokens { get; set; } = tokens;

        public long At { get; set; } = at;
    }
}
