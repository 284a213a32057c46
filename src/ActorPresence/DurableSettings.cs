using Akka.Configuration;

namespace ActorPresence;

/// <summary>
/// The <c>actorpresence.durable</c> section, read once and validated: which keys distributed data
/// keeps on disk, and where. <see cref="ActorPresenceConfig.Build"/> turns it into Akka's
/// <c>akka.cluster.distributed-data.durable</c> section, which the SQLite store reads.
/// </summary>
/// <param name="Path">The SQLite file; null keeps state in memory only.</param>
/// <param name="Devices">Device views are kept on disk too (mailboxes and presence always are, with a path).</param>
public sealed record DurableSettings(string? Path, bool Devices)
{
    public bool Enabled => Path is not null;

    public static DurableSettings FromConfig(Config config)
    {
        var section = new SettingsReader(config, "actorpresence.durable");
        return new DurableSettings(section.Optional("path"), section.Flag("devices"));
    }
}
