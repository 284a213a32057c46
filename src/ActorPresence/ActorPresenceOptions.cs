using System.Globalization;
using System.Text;
using Akka.Configuration;

namespace ActorPresence;

/// <summary>
/// Options given in code. Each one that is set wins over every file and over the embedded defaults;
/// those left null keep the configured value.
/// </summary>
public sealed class ActorPresenceOptions
{
    /// <summary>This node's stable name; defaults to the machine's host name.</summary>
    public string? NodeName { get; set; }

    /// <summary>Address that remoting binds to and advertises; loopback by default.</summary>
    public string? Hostname { get; set; }

    /// <summary>Remoting port; 0 picks a free one.</summary>
    public int? Port { get; set; }

    /// <summary>Akka addresses of seed nodes, e.g. <c>akka.tcp://actorpresence@127.0.0.1:4053</c>. Empty: join nothing
    /// automatically (the node joins itself when it is its own seed).</summary>
    public IList<string>? SeedNodes { get; set; }

    public int? KeyCount { get; set; }

    /// <summary>A dedicated seed: joins the cluster and serves as a seed for others, holds no telephony state.</summary>
    public bool? SeedOnly { get; set; }

    public bool? DirectPathEnabled { get; set; }

    public TimeSpan? PassivateIdleAfter { get; set; }

    /// <summary>The clock that stamps this node's writes; the system clock when null. Tests use it to
    /// run a node with a skewed clock.</summary>
    public TimeProvider? Clock { get; set; }

    /// <summary>Extra HOCON that wins over files and defaults but loses to the typed options above.</summary>
    public string? Hocon { get; set; }

    public Config ToConfig()
    {
        var sb = new StringBuilder();
        void Line(string key, string value) => sb.Append(key).Append(" = ").Append(value).Append('\n');
        if (NodeName is not null)
        {
            Line("actorpresence.node-name", ActorPresenceConfig.Quote(NodeName));
        }
        if (Hostname is not null)
        {
            Line("akka.remote.dot-netty.tcp.hostname", ActorPresenceConfig.Quote(Hostname));
        }
        if (Port is { } port)
        {
            if (port is < 0 or > 65535)
            {
                throw new ConfigurationException($"port must be 0–65535 (got {port})");
            }
            Line("akka.remote.dot-netty.tcp.port", port.ToString(CultureInfo.InvariantCulture));
        }
        if (SeedNodes is not null)
        {
            Line("akka.cluster.seed-nodes", "[" + string.Join(", ", SeedNodes.Select(ActorPresenceConfig.Quote)) + "]");
        }
        if (KeyCount is { } keys)
        {
            Line("actorpresence.key-count", keys.ToString(CultureInfo.InvariantCulture));
        }
        if (SeedOnly is { } seedOnly)
        {
            Line("actorpresence.seed-only", seedOnly ? "on" : "off");
        }
        if (DirectPathEnabled is { } direct)
        {
            Line("actorpresence.direct-path.enabled", direct ? "on" : "off");
        }
        if (PassivateIdleAfter is { } idle)
        {
            Line("actorpresence.passivate-idle-after", ((long)idle.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms");
        }
        var typed = ConfigurationFactory.ParseString(sb.ToString());
        return Hocon is null ? typed : typed.WithFallback(ConfigurationFactory.ParseString(Hocon));
    }
}
