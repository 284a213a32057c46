using ActorPresence.Testing;
using Akka.TestKit.Xunit2;
using Xunit.Abstractions;

namespace ActorPresence.Node.Tests;

/// <summary>What the tests of node processes share: waiting for membership and for convergence to a model, and cleaning up.</summary>
public abstract class ProcessTestKit(ITestOutputHelper output) : TestKit(output: output)
{
    protected static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    /// <summary>Waits until every node sees exactly <paramref name="expected"/> Up and reachable
    /// (and, with <paramref name="onlyThese"/>, no other member at all).</summary>
    protected async Task AwaitUpAsync(IReadOnlyList<IClusterNode> nodes, IReadOnlyList<string> expected, bool onlyThese = false)
    {
        foreach (var node in nodes)
        {
            await AwaitAssertAsync(async () =>
            {
                Assert.Equal(expected, await node.Api.UpMembersAsync());
                if (onlyThese)
                {
                    Assert.Equal(expected.Count, (await node.Api.MembersAsync()).Count);
                }
            }, Wait, TimeSpan.FromMilliseconds(250));
        }
    }

    /// <summary>Waits until every node's whole state agrees with the model (on the keys <paramref name="include"/> selects).</summary>
    protected async Task AwaitConvergedAsync(IReadOnlyList<IClusterNode> nodes, StateModel model, Func<string, bool>? include = null)
    {
        foreach (var node in nodes)
        {
            await AwaitAssertAsync(async () =>
            {
                var differences = model.Differences(await node.Api.SnapshotAsync(), include);
                Assert.True(differences.Count == 0, $"{node.Name} differs from the acknowledged writes:\n{string.Join('\n', differences)}");
            }, Wait, TimeSpan.FromMilliseconds(250));
        }
    }

    /// <summary>Kills every node (its last lines go to the test output) and deletes the work directory.</summary>
    protected void StopAll(IEnumerable<NodeProcess> nodes, string work)
    {
        foreach (var node in nodes)
        {
            node.Dispose();
            Output!.WriteLine($"---- {node.Name} (last lines) ----\n{node.LogTail(10)}");
        }
        try
        {
            Directory.Delete(work, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
