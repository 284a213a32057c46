namespace ActorPresence.Testing;

/// <summary>
/// What the cluster must hold, built from every write the API acknowledged. A write that failed
/// or timed out (the node died under it, say) may or may not have been applied: its value becomes
/// one more allowed value until the next acknowledged write to the same key. Each key must be
/// written by one sequential writer at a time, so "the next" is well defined. Thread-safe.
/// </summary>
public sealed class StateModel
{
    private readonly Lock _gate = new();

    // "device:<id>@<node>" → allowed views (null: no view), "mailbox:<id>" → counts, "presence:<id>" → value.
    private readonly Dictionary<string, HashSet<string?>> _allowed = new(StringComparer.Ordinal);

    public static string Counts(int @new, int old, int urgent) => $"{@new}/{old}/{urgent}";

    public static string PresenceValue(string state, string message) => $"{state}:{message}";

    public int Acknowledged { get; private set; }

    public int Uncertain { get; private set; }

    public int Keys
    {
        get
        {
            lock (_gate)
            {
                return _allowed.Count;
            }
        }
    }

    public void DeviceView(string device, string node, string? state, bool acknowledged) => Record($"device:{device}@{node}", state, acknowledged);

    public void Mailbox(string mailbox, int @new, int old, int urgent, bool acknowledged) => Record($"mailbox:{mailbox}", Counts(@new, old, urgent), acknowledged);

    public void Presence(string presentity, string state, string message, bool acknowledged) => Record($"presence:{presentity}", PresenceValue(state, message), acknowledged);

    private void Record(string key, string? value, bool acknowledged)
    {
        lock (_gate)
        {
            if (acknowledged)
            {
                _allowed[key] = [value];
                Acknowledged++;
            }
            else
            {
                // Unknown outcome: the old value (or nothing) and the attempted one are both right.
                if (!_allowed.TryGetValue(key, out var set))
                {
                    _allowed[key] = set = [null];
                }
                set.Add(value);
                Uncertain++;
            }
        }
    }

    /// <summary>A node's incarnation left or was removed: every device view it held is gone.</summary>
    public void NodeRemoved(string node)
    {
        lock (_gate)
        {
            foreach (var key in _allowed.Keys.Where(k => k.StartsWith("device:", StringComparison.Ordinal) && k.EndsWith("@" + node, StringComparison.Ordinal)).ToList())
            {
                _allowed[key] = [null];
            }
        }
    }

    /// <summary>Every difference between a node's state and the model; empty when they agree.</summary>
    /// <param name="state">The node's state.</param>
    /// <param name="include">Which keys to compare (<c>device:ID@NODE</c>, <c>mailbox:ID</c>, <c>presence:ID</c>); all when null.</param>
    /// <param name="max">At most this many differences are listed.</param>
    public IReadOnlyList<string> Differences(StateSnapshot state, Func<string, bool>? include = null, int max = 20)
    {
        include ??= _ => true;
        var actual = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (device, views) in state.Devices)
        {
            foreach (var (node, view) in views)
            {
                actual[$"device:{device}@{node}"] = view;
            }
        }
        foreach (var (mailbox, counts) in state.Mailboxes)
        {
            actual[$"mailbox:{mailbox}"] = counts;
        }
        foreach (var (presentity, value) in state.Presence)
        {
            actual[$"presence:{presentity}"] = value;
        }
        var differences = new List<string>();
        lock (_gate)
        {
            foreach (var (key, allowed) in _allowed.Where(a => include(a.Key)))
            {
                var value = actual.GetValueOrDefault(key);
                if (!allowed.Contains(value))
                {
                    differences.Add($"{key}: {value ?? "absent"}, expected {string.Join(" or ", allowed.Select(a => a ?? "absent"))}");
                }
            }
            differences.AddRange(actual.Keys.Where(k => include(k) && !_allowed.ContainsKey(k)).Select(k => $"{k}: {actual[k]}, never written"));
        }
        return differences.Take(max).ToList();
    }
}
