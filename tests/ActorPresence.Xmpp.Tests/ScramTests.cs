namespace ActorPresence.Xmpp.Tests;

/// <summary>The client side of SCRAM, against the RFCs' own exchanges and against servers that break the rules.</summary>
public sealed class ScramTests
{
    // RFC 5802 §5: user "user", password "pencil".
    private const string Sha1Nonce = "fyko+d2lbbFgONRv9qkxdawL";
    private const string Sha1ServerFirst = "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096";
    private const string Sha1ClientFinal = "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=";
    private const string Sha1ServerFinal = "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=";

    // RFC 7677 §3: the same user and password.
    private const string Sha256Nonce = "rOprNGfwEbeRWgbNEkqO";
    private const string Sha256ServerFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    private const string Sha256ClientFinal = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    private const string Sha256ServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    private static Scram Sha256() => new("SCRAM-SHA-256", "user", "pencil", Sha256Nonce);

    private static XmppProtocolException Refused(Action action) => Assert.Throws<XmppProtocolException>(action);

    [Fact]
    public void The_SCRAM_SHA_1_exchange_of_RFC_5802_is_reproduced_exactly()
    {
        var scram = new Scram("SCRAM-SHA-1", "user", "pencil", Sha1Nonce);

        Assert.Equal("n,,n=user,r=" + Sha1Nonce, scram.ClientFirst());
        Assert.Equal(Sha1ClientFinal, scram.ClientFinal(Sha1ServerFirst));
        scram.VerifyServerFinal(Sha1ServerFinal);
    }

    [Fact]
    public void The_SCRAM_SHA_256_exchange_of_RFC_7677_is_reproduced_exactly()
    {
        var scram = Sha256();

        Assert.Equal("n,,n=user,r=" + Sha256Nonce, scram.ClientFirst());
        Assert.Equal(Sha256ClientFinal, scram.ClientFinal(Sha256ServerFirst));
        scram.VerifyServerFinal(Sha256ServerFinal);
    }

    [Fact]
    public void A_wrong_password_gives_another_proof_and_the_real_servers_signature_no_longer_verifies()
    {
        var scram = new Scram("SCRAM-SHA-256", "user", "pencil2", Sha256Nonce);

        Assert.NotEqual(Sha256ClientFinal, scram.ClientFinal(Sha256ServerFirst));
        Assert.Equal("sasl", Refused(() => scram.VerifyServerFinal(Sha256ServerFinal)).Reason);
    }

    [Theory]
    [InlineData("v=7rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")]
    [InlineData("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95A4=")]
    [InlineData("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl9")]
    [InlineData("v=rmF9pqV8S7suAoZWja4dJRkFsKQ=")]
    [InlineData("v=")]
    [InlineData("v=not base64!")]
    [InlineData("x=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")]
    [InlineData("e=invalid-proof")]
    [InlineData("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=,e=other-error")]
    [InlineData("garbage")]
    public void A_server_final_message_without_the_right_signature_is_refused(string serverFinal)
    {
        var scram = Sha256();
        scram.ClientFinal(Sha256ServerFirst);

        Assert.Equal("sasl", Refused(() => scram.VerifyServerFinal(serverFinal)).Reason);
    }

    [Fact]
    public void An_error_from_the_server_is_named_in_the_refusal()
    {
        var scram = Sha256();
        scram.ClientFinal(Sha256ServerFirst);

        var e = Refused(() => scram.VerifyServerFinal("e=invalid-proof"));

        Assert.Contains("invalid-proof", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_server_final_message_cannot_be_checked_before_the_client_final_one()
    {
        Assert.Throws<InvalidOperationException>(() => Sha256().VerifyServerFinal(Sha256ServerFinal));
    }

    [Theory]
    [InlineData("r=someoneelsesnonce123,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqO,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")]
    [InlineData("r=rOprNGfwEbeRWgbNEk,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")]
    [InlineData("r=XrOprNGfwEbeRWgbNEkqO%hvYD,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")]
    [InlineData("s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096")]
    public void A_server_nonce_that_does_not_extend_the_clients_is_refused(string serverFirst)
    {
        Assert.Equal("sasl", Refused(() => Sha256().ClientFinal(serverFirst)).Reason);
    }

    [Theory]
    [InlineData("i=1023")]
    [InlineData("i=1000001")]
    [InlineData("i=0")]
    [InlineData("i=-4096")]
    [InlineData("i=+4096")]
    [InlineData("i=4096.0")]
    [InlineData("i=lots")]
    [InlineData("i=99999999999999999999")]
    [InlineData("i=")]
    public void An_iteration_count_outside_1024_to_1000000_or_not_a_number_is_refused(string iterations)
    {
        var serverFirst = Sha256ServerFirst.Replace("i=4096", iterations, StringComparison.Ordinal);

        Assert.Equal("sasl", Refused(() => Sha256().ClientFinal(serverFirst)).Reason);
    }

    [Fact]
    public void A_missing_iteration_count_is_refused()
    {
        Assert.Equal("sasl", Refused(() => Sha256().ClientFinal(Sha256ServerFirst.Replace(",i=4096", "", StringComparison.Ordinal))).Reason);
    }

    [Fact]
    public void The_lowest_allowed_iteration_count_is_taken()
    {
        var serverFirst = Sha256ServerFirst.Replace("i=4096", "i=1024", StringComparison.Ordinal);

        Assert.StartsWith("c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=", Sha256().ClientFinal(serverFirst), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,i=4096")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=,i=4096")]
    [InlineData("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=not*base64,i=4096")]
    public void A_missing_empty_or_non_base64_salt_is_refused(string serverFirst)
    {
        Assert.Equal("sasl", Refused(() => Sha256().ClientFinal(serverFirst)).Reason);
    }

    [Theory]
    [InlineData("m=ext," + Sha256ServerFirst)]
    [InlineData(Sha256ServerFirst + ",r=rOprNGfwEbeRWgbNEkqOagain")]
    [InlineData(Sha256ServerFirst + ",x")]
    [InlineData(Sha256ServerFirst + ",")]
    [InlineData("")]
    public void A_mandatory_extension_a_repeated_field_or_a_malformed_message_is_refused(string serverFirst)
    {
        Assert.Equal("sasl", Refused(() => Sha256().ClientFinal(serverFirst)).Reason);
    }

    [Theory]
    [InlineData("a,b", "a=2Cb")]
    [InlineData("a=b", "a=3Db")]
    [InlineData("=,", "=3D=2C")]
    [InlineData("bridge", "bridge")]
    public void Commas_and_equals_signs_in_the_user_name_are_escaped_as_RFC_5802_says(string user, string escaped)
    {
        Assert.Equal($"n,,n={escaped},r=nonce", new Scram("SCRAM-SHA-1", user, "pencil", "nonce").ClientFirst());
    }

    [Fact]
    public void Without_a_given_nonce_each_exchange_makes_a_fresh_random_one()
    {
        var first = new Scram("SCRAM-SHA-256", "user", "pencil").ClientFirst();
        var second = new Scram("SCRAM-SHA-256", "user", "pencil").ClientFirst();

        Assert.NotEqual(first, second);
        Assert.StartsWith("n,,n=user,r=", first, StringComparison.Ordinal);
        Assert.True(first.Length - "n,,n=user,r=".Length >= 24, first);
        Assert.DoesNotContain(',', first["n,,n=user,r=".Length..]);
    }

    [Theory]
    [InlineData("PLAIN")]
    [InlineData("SCRAM-SHA-512")]
    [InlineData("scram-sha-1")]
    public void A_mechanism_other_than_SCRAM_SHA_1_or_SHA_256_is_an_argument_error(string mechanism)
    {
        Assert.Throws<ArgumentException>(() => new Scram(mechanism, "user", "pencil"));
    }
}
