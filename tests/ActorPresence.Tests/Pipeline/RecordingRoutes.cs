using ActorPresence.Entities;
using Akka.Actor;

namespace ActorPresence.Tests.Pipeline;

/// <summary>A manager's routes for the parts' tests: which entities have an actor is set by the
/// test, and what would be sent to an actor is recorded.</summary>
internal sealed class RecordingRoutes : IEntityRoutes
{
    public HashSet<string> Live { get; } = [];

    public List<(string Id, object Message)> Routed { get; } = [];

    public bool IsLive(string id) => Live.Contains(id);

    public void Route(string id, object message, IActorRef? sender) => Routed.Add((id, message));
}
