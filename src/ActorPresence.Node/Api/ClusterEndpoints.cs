using ActorPresence.Domain;
using ActorPresence.Membership;
using Akka.Actor;
using Akka.Cluster;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using static ActorPresence.Node.Api.Documents;

namespace ActorPresence.Node.Api;

/// <summary>Cluster membership and administration.</summary>
public static class ClusterEndpoints
{
    public static void MapClusterEndpoints(this WebApplication app)
    {
        app.MapGet("/api/v1/cluster", (ActorSystem system) =>
        {
            var cluster = Cluster.Get(system);
            var state = cluster.State;
            var unreachable = state.Unreachable.Select(m => m.UniqueAddress).ToHashSet();
            var members = state.Members
                .Concat(state.Unreachable.Where(u => !state.Members.Contains(u)))
                .OrderBy(m => m.Address.ToString(), StringComparer.Ordinal)
                .Select(m => new MemberDoc(
                    MembershipActor.NodeNameOf(m),
                    m.Address.ToString(),
                    m.Status.ToString(),
                    !unreachable.Contains(m.UniqueAddress),
                    m.Roles.Where(r => !r.StartsWith(ActorPresenceConfig.NodeRolePrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList()))
                .ToList();
            var self = members.FirstOrDefault(m => m.Address == cluster.SelfAddress.ToString())?.Node
                       ?? ActorPresenceSettings.NodeNameOf(system.Settings.Config).Value;
            return Results.Ok(new ClusterDoc(self, cluster.SelfAddress.ToString(), state.Leader?.ToString(), members));
        });

        app.MapPost("/api/v1/cluster/leave", async (HttpContext http, ActorSystem system, CancellationToken ct) =>
        {
            var body = await RequestBody.ReadAsync(http.Request, ct);
            var target = body.RequiredString("node");
            var cluster = Cluster.Get(system);
            var member = cluster.State.Members.FirstOrDefault(m => MembershipActor.NodeNameOf(m) == target || m.Address.ToString() == target);
            if (member is null)
            {
                return EntityEndpoints.NotFound($"node: no member named or addressed '{target}'");
            }
            cluster.Leave(member.Address);
            return Results.Json(new MemberRef(MembershipActor.NodeNameOf(member), member.Address.ToString()), Json, statusCode: StatusCodes.Status202Accepted);
        });

        app.MapPost("/api/v1/cluster/down-unreachable", (ActorSystem system) =>
        {
            var cluster = Cluster.Get(system);
            var downed = new List<MemberRef>();
            foreach (var member in cluster.State.Unreachable)
            {
                cluster.Down(member.Address);
                downed.Add(new MemberRef(MembershipActor.NodeNameOf(member), member.Address.ToString()));
            }
            return Results.Ok(new DownedDoc(downed));
        });
    }
}
