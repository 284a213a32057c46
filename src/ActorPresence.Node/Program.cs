using ActorPresence.Node;
using Akka.Actor;
using Microsoft.Extensions.DependencyInjection;

// A standalone ActorPresence node. With no arguments: a single-node cluster on loopback, HTTP on
// 127.0.0.1:5080, remoting on 127.0.0.1:4053, files under ./data. See docs/operations.md.
if (args.Any(a => a is "--help" or "-h" or "-?"))
{
    return NodeSettings.BuildCommand().Parse(args).Invoke();
}

try
{
    var settings = NodeSettings.Resolve(args);
    var app = NodeApp.Build(settings);
    Console.Out.WriteLine(
        $"ActorPresence node '{settings.NodeName}'{(settings.SeedOnly ? " (dedicated seed)" : "")}: remoting {settings.Hostname}:{settings.Port}, " +
        $"HTTP http://{settings.HttpHostname}:{settings.HttpPort}, data {settings.DataDir}, seeds [{string.Join(", ", settings.Seeds)}]");
    // SIGTERM and Ctrl-C stop the host, whose actor system leaves the cluster through CoordinatedShutdown.
    await app.StartAsync();
    var system = app.Services.GetRequiredService<ActorSystem>();
    await app.WaitForShutdownAsync();
    await app.DisposeAsync();
    // A node the cluster downed (the split-brain resolver, an operator) ends with Akka's exit code for
    // that (3) so a service manager restarts it; leaving on SIGTERM or a leave request ends with 0.
    return CoordinatedShutdown.Get(system).ShutdownReason?.ExitCode ?? 0;
}
catch (NodeOptionsException e)
{
    Console.Error.WriteLine($"actorpresence-node: {e.Message}");
    return 2;
}
