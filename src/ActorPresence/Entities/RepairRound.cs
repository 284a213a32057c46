namespace ActorPresence.Entities;

/// <summary>An entity manager's repair (<see cref="Messages.MembershipNotices.RepairReplica"/>): which
/// keys it still has to read. One repair at a time, <see cref="Window"/> keys in flight; one asked
/// for meanwhile runs after it (once, from every node if any of those asked was).</summary>
internal sealed class RepairRound(int keyCount)
{
    public const int Window = 8;

    private readonly int _keyCount = keyCount;
    private int _next = keyCount;
    private int _inFlight;
    private bool? _again;

    public long Started { get; private set; }

    public bool FromEveryNode { get; private set; }

    private bool Running => _inFlight > 0 || _next < _keyCount;

    public bool TryStart(bool fromEveryNode)
    {
        if (Running)
        {
            _again = _again == true || fromEveryNode;
            return false;
        }
        FromEveryNode = fromEveryNode;
        _next = 0;
        Started++;
        return true;
    }

    /// <summary>The index of the next key to read, or null when the window is full or every key was sent.</summary>
    public int? NextKey()
    {
        if (_inFlight >= Window || _next >= _keyCount)
        {
            return null;
        }
        _inFlight++;
        return _next++;
    }

    /// <summary>One key answered. When the round ended and another was asked for meanwhile:
    /// whether that one reads from every node.</summary>
    public bool? Answered()
    {
        if (_inFlight > 0)
        {
            _inFlight--;
        }
        if (!Running && _again is { } again)
        {
            _again = null;
            return again;
        }
        return null;
    }
}
