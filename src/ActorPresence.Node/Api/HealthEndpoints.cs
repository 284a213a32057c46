using System.Buffers;
using System.Text.Json;
using ActorPresence.Diagnostics;
using Akka.Actor;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace ActorPresence.Node.Api;

/// <summary>
/// ASP.NET Core health checks behind <c>/healthz</c> (liveness: checks tagged <c>live</c>) and
/// <c>/readyz</c> (readiness: checks tagged <c>ready</c>: Up member, every entity manager up,
/// replicator answering, durable store writable where there is one). Both answer 200 when healthy and 503 otherwise, with every
/// check's outcome as JSON. Never behind the API token.
/// </summary>
public static class HealthEndpoints
{
    public const string LiveTag = "live";
    public const string ReadyTag = "ready";

    /// <summary>How long a probe may wait for an actor: well inside an orchestrator's probe timeout.</summary>
    public static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(2);

    public static IServiceCollection AddNodeHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck("process", () => HealthCheckResult.Healthy("the process is running"), tags: [LiveTag])
            .Add(Probe("cluster-member", (system, _) => Task.FromResult<HealthProbe?>(ActorPresenceHealth.ClusterMember(system)), null))
            .Add(Probe("pipelines", (system, _) => Task.FromResult(ActorPresenceHealth.Pipelines(system)), "this node holds no state (a dedicated seed)"))
            .Add(Probe("replicator", async (system, ct) => await ActorPresenceHealth.ReplicatorAsync(system, ProbeTimeout, ct), null))
            .Add(Probe("durable-store", (system, ct) => ActorPresenceHealth.DurableStoreAsync(system, ProbeTimeout, ct),
                "this node keeps no durable keys"));
        return services;
    }

    public static void MapHealthEndpoints(this WebApplication app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = c => c.Tags.Contains(LiveTag), ResponseWriter = WriteAsync });
        app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = c => c.Tags.Contains(ReadyTag), ResponseWriter = WriteAsync });
    }

    private static HealthCheckRegistration Probe(string name, Func<ActorSystem, CancellationToken, Task<HealthProbe?>> probe, string? whenAbsent) =>
        new(name, provider => new ProbeCheck(provider.GetRequiredService<ActorSystem>(), probe, whenAbsent), HealthStatus.Unhealthy, [ReadyTag]);

    /// <summary>A readiness probe of the library as an ASP.NET Core health check.</summary>
    private sealed class ProbeCheck(ActorSystem system, Func<ActorSystem, CancellationToken, Task<HealthProbe?>> probe, string? whenAbsent) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var result = await probe(system, cancellationToken);
            if (result is null)
            {
                return HealthCheckResult.Healthy(whenAbsent);
            }
            return new HealthCheckResult(result.Healthy ? HealthStatus.Healthy : context.Registration.FailureStatus, result.Description, data: result.Data);
        }
    }

    /// <summary><c>{"status", "durationMs", "checks": {name: {"status", "description", "durationMs", "data", "error"?}}}</c>.</summary>
    private static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("status", report.Status.ToString());
            json.WriteNumber("durationMs", Math.Round(report.TotalDuration.TotalMilliseconds, 3));
            json.WriteStartObject("checks");
            foreach (var (name, entry) in report.Entries)
            {
                json.WriteStartObject(name);
                json.WriteString("status", entry.Status.ToString());
                json.WriteString("description", entry.Description);
                json.WriteNumber("durationMs", Math.Round(entry.Duration.TotalMilliseconds, 3));
                json.WritePropertyName("data");
                JsonSerializer.Serialize(json, entry.Data, Documents.Json);
                if (entry.Exception is { } error)
                {
                    json.WriteString("error", error.Message);
                }
                json.WriteEndObject();
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
    }
}
