using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ActorPresence.Xmpp;

/// <summary>
/// The client side of SASL SCRAM (RFC 5802) with SHA-1 or SHA-256 (RFC 7677), without channel binding
/// (gs2 header "n,,"). One instance per authentication: <see cref="ClientFirst"/>, then
/// <see cref="ClientFinal"/> with the server's challenge, then <see cref="VerifyServerFinal"/>, which
/// proves the server knew the password too. The password is used as given (no SASLprep): accounts
/// with non-ASCII passwords are not supported.
/// </summary>
internal sealed class Scram
{
    /// <summary>Iteration counts outside this range are refused: too few is weak, too many a way to stall the client.</summary>
    public const int MinIterations = 1024;
    public const int MaxIterations = 1_000_000;

    private readonly HashAlgorithmName _hash;
    private readonly string _user;
    private readonly string _password;
    private readonly string _clientNonce;
    private string? _authMessage;
    private byte[]? _saltedPassword;

    public Scram(string mechanism, string user, string password, string? clientNonce = null)
    {
        _hash = mechanism switch
        {
            "SCRAM-SHA-1" => HashAlgorithmName.SHA1,
            "SCRAM-SHA-256" => HashAlgorithmName.SHA256,
            _ => throw new ArgumentException($"not a SCRAM mechanism this client has: {mechanism}", nameof(mechanism)),
        };
        Mechanism = mechanism;
        _user = user.Replace("=", "=3D", StringComparison.Ordinal).Replace(",", "=2C", StringComparison.Ordinal);
        _password = password;
        _clientNonce = clientNonce ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
    }

    public string Mechanism { get; }

    private string ClientFirstBare => $"n={_user},r={_clientNonce}";

    public string ClientFirst() => "n,," + ClientFirstBare;

    /// <summary>The client's proof, given the server's first message.</summary>
    /// <exception cref="XmppProtocolException">The challenge is malformed or unsafe.</exception>
    public string ClientFinal(string serverFirst)
    {
        var fields = Fields(serverFirst);
        if (fields.ContainsKey('m'))
        {
            throw new XmppProtocolException("sasl", "the server asks for a SCRAM extension this client does not know");
        }
        if (!fields.TryGetValue('r', out var nonce) || !nonce.StartsWith(_clientNonce, StringComparison.Ordinal) || nonce.Length == _clientNonce.Length)
        {
            throw new XmppProtocolException("sasl", "the server's nonce does not extend the client's");
        }
        if (!fields.TryGetValue('s', out var saltText) || !TryBase64(saltText, out var salt) || salt.Length == 0)
        {
            throw new XmppProtocolException("sasl", "the server's salt is missing or not base64");
        }
        if (!fields.TryGetValue('i', out var iterationsText)
            || !int.TryParse(iterationsText, NumberStyles.None, CultureInfo.InvariantCulture, out var iterations)
            || iterations is < MinIterations or > MaxIterations)
        {
            throw new XmppProtocolException("sasl", $"the server's iteration count must be {MinIterations}–{MaxIterations} (got '{iterationsText}')");
        }
        var withoutProof = "c=biws,r=" + nonce;
        _authMessage = ClientFirstBare + "," + serverFirst + "," + withoutProof;
        _saltedPassword = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(_password), salt, iterations, _hash, HashSize);
        var clientKey = Hmac(_saltedPassword, "Client Key");
        var storedKey = Hash(clientKey);
        var signature = Hmac(storedKey, _authMessage);
        for (var i = 0; i < clientKey.Length; i++)
        {
            clientKey[i] ^= signature[i];
        }
        return withoutProof + ",p=" + Convert.ToBase64String(clientKey);
    }

    /// <summary>Checks the server's signature: a server that does not know the password cannot make it.</summary>
    public void VerifyServerFinal(string serverFinal)
    {
        if (_authMessage is null || _saltedPassword is null)
        {
            throw new InvalidOperationException("ClientFinal comes first");
        }
        var fields = Fields(serverFinal);
        if (fields.TryGetValue('e', out var error))
        {
            throw new XmppProtocolException("sasl", $"the server refused the proof: {error}");
        }
        var expected = Hmac(Hmac(_saltedPassword, "Server Key"), _authMessage);
        if (!fields.TryGetValue('v', out var text) || !TryBase64(text, out var signature) || !CryptographicOperations.FixedTimeEquals(signature, expected))
        {
            throw new XmppProtocolException("sasl", "the server's signature is wrong: it does not know the password");
        }
    }

    private int HashSize => _hash == HashAlgorithmName.SHA1 ? 20 : 32;

    private byte[] Hmac(byte[] key, string text) => Hmac(key, Encoding.UTF8.GetBytes(text));

    private byte[] Hmac(byte[] key, byte[] data) =>
        _hash == HashAlgorithmName.SHA1 ? HMACSHA1.HashData(key, data) : HMACSHA256.HashData(key, data);

    private byte[] Hash(byte[] data) => _hash == HashAlgorithmName.SHA1 ? SHA1.HashData(data) : SHA256.HashData(data);

    private static Dictionary<char, string> Fields(string message)
    {
        var fields = new Dictionary<char, string>();
        foreach (var part in message.Split(','))
        {
            if (part.Length < 2 || part[1] != '=' || !fields.TryAdd(part[0], part[2..]))
            {
                throw new XmppProtocolException("sasl", "a malformed SCRAM message from the server");
            }
        }
        return fields;
    }

    private static bool TryBase64(string text, out byte[] bytes)
    {
        bytes = new byte[(text.Length * 3 / 4) + 3];
        if (Convert.TryFromBase64String(text, bytes, out var written))
        {
            bytes = bytes[..written];
            return true;
        }
        bytes = [];
        return false;
    }
}
