using System.Text;
using Akka.Configuration;

namespace ActorPresence.Node;

/// <summary>How the node writes its log to the console.</summary>
public enum NodeLogFormat
{
    /// <summary>One line per event: time, level, category, message.</summary>
    Simple,

    /// <summary>One JSON object per line, with the event's structured properties.</summary>
    Json,
}

/// <summary>
/// The <c>actorpresence.node</c> section, read once and validated: what the standalone node process
/// adds to the library (its HTTP endpoint, data directory, API token and log format). The defaults
/// are in <c>hocon/actorpresence.conf</c> with the library's; <see cref="NodeSettings"/> layers the
/// command line and the environment over the node's file before this is read.
/// </summary>
/// <param name="DataDir">As configured; <see cref="NodeSettings.DataDir"/> is the full path.</param>
/// <param name="ApiToken">Null: no authentication.</param>
public sealed record NodeProcessSettings(
    string HttpHostname,
    int HttpPort,
    string DataDir,
    string? ApiToken,
    bool OpenReads,
    NodeLogFormat LogFormat)
{
    /// <summary>Shortest API token accepted: guessing one must be out of the question.</summary>
    public const int MinTokenLength = 16;

    internal static readonly string TokenRule = $"must be at least {MinTokenLength} printable ASCII characters without spaces";

    public static NodeProcessSettings FromConfig(Config config)
    {
        var section = new SettingsReader(config, "actorpresence.node");
        // Not Optional: a token of blanks is refused, never taken for "no authentication".
        var apiToken = section.String("api-token");
        if (apiToken.Length > 0 && (apiToken.Length < MinTokenLength || apiToken.Any(c => c is <= ' ' or > '~')))
        {
            throw section.Invalid("api-token", TokenRule);
        }
        var format = section.String("log-format");
        var logFormat = format.ToLowerInvariant() switch
        {
            "simple" => NodeLogFormat.Simple,
            "json" => NodeLogFormat.Json,
            _ => throw section.Invalid("log-format", $"must be simple or json (got '{format}')"),
        };
        return new NodeProcessSettings(
            section.NonEmpty("http-hostname"),
            section.Int("http-port", 0, 65535),
            section.NonEmpty("data-dir"),
            apiToken.Length > 0 ? apiToken : null,
            section.Flag("open-reads"),
            logFormat);
    }

    // Keeps the token out of logs and messages that print the record.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"HttpHostname = {HttpHostname}, HttpPort = {HttpPort}, DataDir = {DataDir}, ")
            .Append($"ApiToken = {(ApiToken is null ? "" : "***")}, OpenReads = {OpenReads}, LogFormat = {LogFormat}");
        return true;
    }
}
