using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace ActorPresence.Sip.Tests;

/// <summary>Digest authentication as a phone computes it, and the per-source token bucket, on a clock moved by hand.</summary>
public sealed partial class SipSecurityTests
{
    private const string Realm = "pbx.example";
    private const string Uri = "sip:1000@pbx.example";

    private static readonly DateTimeOffset Noon = new(2026, 5, 7, 12, 0, 0, TimeSpan.Zero);

    private readonly ManualTime _time = new(Noon);

    private DigestAuthenticator Authenticator() =>
        new(Realm, new Dictionary<string, string>(StringComparer.Ordinal) { ["2000"] = "s3cret", ["3000"] = "other" }, _time);

    [GeneratedRegex("nonce=\"([^\"]*)\"")]
    private static partial Regex NonceField();

#pragma warning disable CA5351 // RFC 2617's digest is MD5: the test computes what a phone sends.
    private static string Md5(string text) => Convert.ToHexStringLower(MD5.HashData(Encoding.UTF8.GetBytes(text)));
#pragma warning restore CA5351

    private static string NonceOf(string challenge) => NonceField().Match(challenge).Groups[1].Value;

    /// <summary>The Authorization header a phone answers a challenge with (RFC 2617 3.2.2).</summary>
    private static string Answer(string nonce, string user = "2000", string password = "s3cret", bool qop = true, string method = "SUBSCRIBE")
    {
        var ha1 = Md5($"{user}:{Realm}:{password}");
        var ha2 = Md5($"{method}:{Uri}");
        if (!qop)
        {
            return $"Digest username=\"{user}\", realm=\"{Realm}\", nonce=\"{nonce}\", uri=\"{Uri}\", response=\"{Md5($"{ha1}:{nonce}:{ha2}")}\", algorithm=MD5";
        }
        const string nc = "00000001";
        const string cnonce = "0a4f113b";
        return $"Digest username=\"{user}\", realm=\"{Realm}\", nonce=\"{nonce}\", uri=\"{Uri}\", qop=auth, nc={nc}, cnonce=\"{cnonce}\", "
            + $"response=\"{Md5($"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")}\", algorithm=MD5";
    }

    private static SipMessage Request(string? authorization, string method = "SUBSCRIBE")
    {
        var request = SipMessage.Request(method, Uri);
        return authorization is null ? request : request.Add("Authorization", authorization);
    }

    [Fact]
    public void A_challenge_names_the_realm_MD5_and_qop_auth_and_says_stale_only_when_asked()
    {
        var auth = Authenticator();

        var fresh = auth.Challenge(stale: false);
        var stale = auth.Challenge(stale: true);

        Assert.StartsWith($"Digest realm=\"{Realm}\", nonce=\"", fresh, StringComparison.Ordinal);
        Assert.EndsWith(", algorithm=MD5, qop=\"auth\"", fresh, StringComparison.Ordinal);
        Assert.EndsWith(", stale=TRUE", stale, StringComparison.Ordinal);
        Assert.NotEmpty(NonceOf(fresh));
    }

    [Fact]
    public void A_response_with_qop_auth_computed_from_the_challenge_is_accepted()
    {
        var auth = Authenticator();
        var nonce = NonceOf(auth.Challenge(false));

        Assert.Equal(DigestOutcome.Accepted, auth.Check(Request(Answer(nonce)), out var stale));
        Assert.False(stale);
    }

    [Fact]
    public void A_response_without_qop_as_RFC_2069_computes_it_is_accepted()
    {
        var auth = Authenticator();
        var nonce = NonceOf(auth.Challenge(false));

        Assert.Equal(DigestOutcome.Accepted, auth.Check(Request(Answer(nonce, qop: false)), out _));
    }

    [Fact]
    public void A_response_in_upper_case_hex_is_accepted()
    {
        var auth = Authenticator();
        var nonce = NonceOf(auth.Challenge(false));
        var header = Answer(nonce);
        var response = Regex.Match(header, "response=\"([0-9a-f]{32})\"").Groups[1].Value;

        Assert.Equal(DigestOutcome.Accepted, auth.Check(Request(header.Replace(response, response.ToUpperInvariant(), StringComparison.Ordinal)), out _));
    }

    [Fact]
    public void A_wrong_password_an_unknown_user_or_another_method_is_wrong()
    {
        var auth = Authenticator();
        var nonce = NonceOf(auth.Challenge(false));

        Assert.Equal(DigestOutcome.Wrong, auth.Check(Request(Answer(nonce, password: "guess")), out _));
        Assert.Equal(DigestOutcome.Wrong, auth.Check(Request(Answer(nonce, user: "3000")), out _));
        Assert.Equal(DigestOutcome.Wrong, auth.Check(Request(Answer(nonce, user: "9999")), out _));
        Assert.Equal(DigestOutcome.Wrong, auth.Check(Request(Answer(nonce), method: "PUBLISH"), out _));
        Assert.Equal(DigestOutcome.Wrong, auth.Check(Request(Answer(nonce).Replace("qop=auth", "qop=auth-int", StringComparison.Ordinal)), out _));
    }

    [Fact]
    public void Credentials_computed_for_another_server_are_wrong_here_even_with_a_good_nonce()
    {
        var auth = Authenticator();
        var nonce = NonceOf(auth.Challenge(false));
        var answer = Answer(nonce);
        var request = SipMessage.Request("SUBSCRIBE", "sip:1000@elsewhere.example").Add("Authorization", answer);

        Assert.Equal(DigestOutcome.Wrong, auth.Check(request, out _));
        // The same server under another user (sipp's digest names the server alone): accepted.
        Assert.Equal(DigestOutcome.Accepted, auth.Check(SipMessage.Request("SUBSCRIBE", "sip:2000@pbx.example").Add("Authorization", answer), out _));
    }

    [Fact]
    public void No_Authorization_header_or_one_that_is_not_digest_is_missing()
    {
        var auth = Authenticator();

        Assert.Equal(DigestOutcome.Missing, auth.Check(Request(null), out var stale));
        Assert.False(stale);
        Assert.Equal(DigestOutcome.Missing, auth.Check(Request("Basic MjAwMDpzM2NyZXQ="), out _));
    }

    [Fact]
    public void An_answer_for_another_realm_or_algorithm_or_without_a_field_is_missing()
    {
        var auth = Authenticator();
        var nonce = NonceOf(auth.Challenge(false));
        var answer = Answer(nonce);

        Assert.Equal(DigestOutcome.Missing, auth.Check(Request(answer.Replace($"realm=\"{Realm}\"", "realm=\"elsewhere\"", StringComparison.Ordinal)), out _));
        Assert.Equal(DigestOutcome.Missing, auth.Check(Request(answer.Replace("algorithm=MD5", "algorithm=SHA-256", StringComparison.Ordinal)), out _));
        Assert.Equal(DigestOutcome.Missing, auth.Check(Request(answer.Replace("uri=", "url=", StringComparison.Ordinal)), out _));
    }

    [Fact]
    public void A_tampered_nonce_is_missing_and_not_stale()
    {
        var auth = Authenticator();
        var nonce = NonceOf(auth.Challenge(false));
        var dot = nonce.IndexOf('.', StringComparison.Ordinal);
        // A later issue time under the old signature, and the right time under a changed signature.
        var issued = long.Parse(nonce[..dot], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        var laterTime = (issued + 600).ToString("x", CultureInfo.InvariantCulture) + nonce[dot..];
        var flipped = nonce[..^1] + (nonce[^1] == '0' ? '1' : '0');

        foreach (var forged in (string[])[laterTime, flipped, "nodot", "." + nonce[(dot + 1)..]])
        {
            Assert.Equal(DigestOutcome.Missing, auth.Check(Request(Answer(forged)), out var stale));
            Assert.False(stale);
        }
    }

    [Fact]
    public void A_nonce_made_by_another_authenticator_is_missing()
    {
        var nonce = NonceOf(Authenticator().Challenge(false));

        Assert.Equal(DigestOutcome.Missing, Authenticator().Check(Request(Answer(nonce)), out _));
    }

    [Fact]
    public void A_nonce_is_good_for_five_minutes_and_then_stale()
    {
        var auth = Authenticator();
        var nonce = NonceOf(auth.Challenge(false));

        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(DigestOutcome.Accepted, auth.Check(Request(Answer(nonce)), out var stale));
        Assert.False(stale);

        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(DigestOutcome.Missing, auth.Check(Request(Answer(nonce)), out stale));
        Assert.True(stale);
    }

    [Fact]
    public void A_stale_nonce_with_a_wrong_password_is_still_only_stale_so_the_phone_retries_with_a_fresh_one()
    {
        var auth = Authenticator();
        var nonce = NonceOf(auth.Challenge(false));

        _time.Advance(TimeSpan.FromMinutes(6));

        Assert.Equal(DigestOutcome.Missing, auth.Check(Request(Answer(nonce, password: "guess")), out var stale));
        Assert.True(stale);
    }

    // ---- per-source rate limit ----

    [Fact]
    public void A_source_gets_its_burst_at_once_and_then_is_refused()
    {
        var limiter = new SourceRateLimiter(rate: 10, burst: 5, _time);
        var source = IPAddress.Parse("10.0.0.7");

        var taken = Enumerable.Range(0, 8).Select(_ => limiter.TryTake(source)).ToList();

        Assert.Equal([true, true, true, true, true, false, false, false], taken);
    }

    [Fact]
    public void The_bucket_refills_at_the_rate_up_to_the_burst()
    {
        var limiter = new SourceRateLimiter(rate: 10, burst: 5, _time);
        var source = IPAddress.Parse("10.0.0.7");
        while (limiter.TryTake(source))
        {
        }

        _time.Advance(TimeSpan.FromMilliseconds(250));
        Assert.True(limiter.TryTake(source));
        Assert.True(limiter.TryTake(source));
        Assert.False(limiter.TryTake(source));

        _time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(5, Enumerable.Range(0, 10).Count(_ => limiter.TryTake(source)));
    }

    [Fact]
    public void Sources_have_buckets_of_their_own()
    {
        var limiter = new SourceRateLimiter(rate: 1, burst: 2, _time);
        var busy = IPAddress.Parse("10.0.0.7");
        var quiet = IPAddress.Parse("2001:db8::7");
        while (limiter.TryTake(busy))
        {
        }

        Assert.True(limiter.TryTake(quiet));
        Assert.True(limiter.TryTake(quiet));
        Assert.False(limiter.TryTake(busy));
    }

    [Fact]
    public void A_swept_source_starts_again_with_a_full_burst()
    {
        var limiter = new SourceRateLimiter(rate: 10, burst: 3, _time);
        var source = IPAddress.Parse("10.0.0.7");
        while (limiter.TryTake(source))
        {
        }
        _time.Advance(TimeSpan.FromSeconds(1));

        limiter.Sweep();

        Assert.Equal(3, Enumerable.Range(0, 5).Count(_ => limiter.TryTake(source)));
    }
}
