using Akka.Configuration;

namespace ActorPresence;

/// <summary>
/// Reads the keys of one configuration section into a settings record. A key the configuration does
/// not set is read from the embedded defaults (<c>hocon/actorpresence.conf</c>), so no default is
/// written in code; a value that is malformed or out of range is refused with its full key.
/// </summary>
internal sealed class SettingsReader(Config config, string section)
{
    /// <summary>The full key of <paramref name="key"/>, e.g. <c>actorpresence.node.http-port</c>.</summary>
    public string PathOf(string key) => $"{section}.{key}";

    public InvalidSettingException Invalid(string key, string problem) => new(PathOf(key), problem);

    /// <summary>A string, empty allowed.</summary>
    public string String(string key) =>
        // HOCON gives null for a list, an object or null where a string belongs.
        Read(key, (c, path) => c.GetString(path), "must be a string") ?? throw Invalid(key, $"must be a string (got {Raw(key)})");

    /// <summary>A string with something in it.</summary>
    public string NonEmpty(string key)
    {
        var value = String(key);
        return string.IsNullOrWhiteSpace(value) ? throw Invalid(key, "must not be empty") : value;
    }

    /// <summary>A string where empty means "not set".</summary>
    public string? Optional(string key)
    {
        var value = String(key);
        return string.IsNullOrWhiteSpace(value) ? null : value;
    }

    /// <summary>A list of strings (a HOCON list; a single string counts as a list of one).</summary>
    public IReadOnlyList<string> Strings(string key)
    {
        var source = Source(key);
        var value = source.GetValue(PathOf(key));
        if (value is null || value.IsEmpty)
        {
            return [];
        }
        if (value.IsString())
        {
            return [value.GetString()];
        }
        return Read(key, (c, path) => c.GetStringList(path), "must be a list of strings") is { } list
            ? list.ToList()
            : throw Invalid(key, "must be a list of strings");
    }

    public bool Flag(string key) => Read(key, (c, path) => c.GetBoolean(path), "must be on or off");

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public int Int(string key, int min, int max = int.MaxValue)
    {
        var expected = max == int.MaxValue ? $"must be at least {min}" : $"must be {min}–{max}";
        var value = Read(key, (c, path) => c.GetInt(path), expected);
        return value >= min && value <= max ? value : throw Invalid(key, $"{expected} (got {value})");
    }

    /// <summary>A duration greater than zero (HOCON's <c>infinite</c> is not one).</summary>
    public TimeSpan Positive(string key)
    {
        const string Expected = "must be a positive duration";
        var value = Read(key, (c, path) => c.GetTimeSpan(path), Expected);
        return value > TimeSpan.Zero ? value : throw Invalid(key, $"{Expected} (got {Raw(key)})");
    }

    private T Read<T>(string key, Func<Config, string, T> read, string expected)
    {
        var path = PathOf(key);
        var source = Source(key);
        try
        {
            return read(source, path);
        }
        catch (Exception e) when (e is FormatException or OverflowException or InvalidCastException or ArgumentException or NotSupportedException)
        {
            throw Invalid(key, $"{expected} (got {source.GetValue(path)})");
        }
    }

    private string Raw(string key) => Source(key).GetValue(PathOf(key))?.ToString() ?? "nothing";

    /// <summary>The configuration that holds <paramref name="key"/>: the given one, else the embedded defaults.</summary>
    private Config Source(string key)
    {
        var path = PathOf(key);
        if (config.HasPath(path))
        {
            return config;
        }
        return ActorPresenceConfig.Defaults.HasPath(path)
            ? ActorPresenceConfig.Defaults
            : throw Invalid(key, "is not set and hocon/actorpresence.conf has no default for it");
    }
}
