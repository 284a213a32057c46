using Akka.Actor;

namespace ActorPresence.Tests;

/// <summary>
/// One real actor system built from the library's own configuration (cluster provider, the embedded
/// HOCON's serializer bindings), shared by the serializer tests. It joins nothing.
/// </summary>
public sealed class SerializationSystemFixture : IAsyncLifetime
{
    private ActorSystem? _system;

    public ActorSystem System => _system ?? throw new InvalidOperationException("the actor system is not started");

    public Task InitializeAsync()
    {
        var config = ActorPresenceConfig.Build(new ActorPresenceOptions { NodeName = "t1", Port = 0 });
        _system = ActorSystem.Create("actorpresence", config);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        if (_system is not null)
        {
            await _system.Terminate();
        }
    }
}
