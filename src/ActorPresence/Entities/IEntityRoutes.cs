using Akka.Actor;

namespace ActorPresence.Entities;

/// <summary>
/// What an entity manager's parts ask of the manager: whether an entity has an actor here, and
/// sending a message to an entity's actor, creating the actor when none runs (only the manager can
/// create its children).
/// </summary>
internal interface IEntityRoutes
{
    bool IsLive(string id);

    void Route(string id, object message, IActorRef? sender);
}
