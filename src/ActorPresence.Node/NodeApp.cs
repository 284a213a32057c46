using System.Text.Json;
using ActorPresence.Diagnostics;
using ActorPresence.Domain;
using ActorPresence.Federation;
using ActorPresence.Sip;
using ActorPresence.Xmpp;
using ActorPresence.Hosting;
using ActorPresence.Node.Api;
using ActorPresence.Node.Board;
using Akka.Actor;
using Akka.Cluster;
using Akka.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using static ActorPresence.Node.Api.Documents;

namespace ActorPresence.Node;

/// <summary>The composition root of a node process: the actor system, the HTTP API and how errors become answers.</summary>
public static class NodeApp
{
    public static WebApplication Build(NodeSettings settings, Action<WebApplicationBuilder>? configure = null)
    {
        PrepareDataDir(settings.DataDir);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.WebHost.UseUrls($"http://{(settings.HttpHostname.Contains(':') ? $"[{settings.HttpHostname}]" : settings.HttpHostname)}:{settings.HttpPort}");
        // Bodies over RequestBody.MaxBytes get a 400 from RequestBody; Kestrel's own limit sits well
        // above it so it can still drain the rest of an oversized request instead of resetting it.
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 16 * RequestBody.MaxBytes);
        ConfigureLogging(builder.Logging, settings);
        builder.Services.AddNodeHealthChecks();
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("actorpresence-node", serviceInstanceId: settings.NodeName.Value))
            .WithMetrics(metrics => metrics
            .AddMeter(ActorPresenceMetrics.MeterName, "System.Runtime", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel")
            .AddPrometheusExporter());
        builder.Services.AddActorPresence(
            configure: null,
            hocon: settings.Config,
            configureAkka: (akka, _) => akka.AddStartup((system, _) =>
            {
                // With no seeds the node forms a cluster of its own.
                if (settings.Seeds.Count == 0)
                {
                    var cluster = Cluster.Get(system);
                    cluster.Join(cluster.SelfAddress);
                }
            }));
        // Site links to peer sites (off unless a federation port is given); a dedicated seed holds no state to link.
        if (!settings.SeedOnly)
        {
            builder.Services.AddActorPresenceFederation();
            // The SIP edge (off unless a SIP port is given).
            builder.Services.AddActorPresenceSip();
            // The site's XMPP bridge (off unless enabled; it runs on one node at a time).
            builder.Services.AddActorPresenceXmpp();
        }
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseExceptionHandler(errors => errors.Run(WriteErrorAsync));
        app.UseStatusCodePages(async context =>
        {
            var response = context.HttpContext.Response;
            if (!response.HasStarted && response.ContentLength is null && response.ContentType is null)
            {
                response.ContentType = "application/json";
                var error = response.StatusCode == StatusCodes.Status404NotFound ? "no such endpoint" : $"HTTP {response.StatusCode}";
                await response.WriteAsync(JsonSerializer.Serialize(new ErrorDoc(error), Json));
            }
        });
        if (settings.ApiToken is { } token)
        {
            app.UseMiddleware<ApiAuthentication>(token, settings.OpenReads);
        }
        app.MapHealthEndpoints();
        // A read like any other: behind the API token unless --open-reads (docs/operations.md, Metrics).
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapClusterEndpoints();
        app.MapEntityEndpoints();
        app.MapSiteEndpoints();
        app.MapXmppEndpoints();
        app.MapEventStream();
        app.MapBoard();
        return app;
    }

    /// <summary>
    /// The console log: one line per event, or one JSON object per line. Akka's log events arrive
    /// here too (AddActorPresence bridges them), at the level akka.loglevel lets through, which is
    /// also the level for everything else. At INFO, ASP.NET Core's per-request lines are left out.
    /// </summary>
    private static void ConfigureLogging(ILoggingBuilder logging, NodeSettings settings)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(settings.LogLevel);
        if (settings.LogLevel == LogLevel.Information)
        {
            logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        }
        if (settings.LogFormat == NodeLogFormat.Json)
        {
            logging.AddJsonConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }
        else
        {
            logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss.fff ";
            });
        }
    }

    /// <summary>Every failure becomes <c>{"error": ...}</c>: bad input 400, seed nodes 503, the rest 500.</summary>
    private static async Task WriteErrorAsync(HttpContext context)
    {
        var error = context.Features.Get<IExceptionHandlerFeature>()?.Error;
        var (status, message) = error switch
        {
            ValidationException v => (StatusCodes.Status400BadRequest, v.Message),
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } =>
                (StatusCodes.Status400BadRequest, $"body: must be at most {RequestBody.MaxBytes} bytes"),
            BadHttpRequestException b => (StatusCodes.Status400BadRequest, $"bad request: {b.Message}"),
            SeedNodeException s => (StatusCodes.Status503ServiceUnavailable, s.Message),
            // The write may or may not have been applied; the message says so.
            WriteOutcomeUnknownException u => (StatusCodes.Status503ServiceUnavailable, u.Message),
            WriteFailedException f => (StatusCodes.Status503ServiceUnavailable, f.Message),
            PipelineUnavailableException p => (StatusCodes.Status503ServiceUnavailable, p.Message),
            AskTimeoutException or TaskCanceledException => (StatusCodes.Status503ServiceUnavailable, "the node did not answer in time"),
            _ => (StatusCodes.Status500InternalServerError, $"internal error: {error?.Message}"),
        };
        if (status == StatusCodes.Status500InternalServerError)
        {
            context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("ActorPresence.Node").LogError(error, "Request failed");
        }
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(JsonSerializer.Serialize(new ErrorDoc(message), Json));
    }

    private static void PrepareDataDir(string dataDir)
    {
        try
        {
            Directory.CreateDirectory(dataDir);
            var probe = Path.Combine(dataDir, ".write-test");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw new NodeOptionsException($"--data-dir: cannot use '{dataDir}': {e.Message}");
        }
    }
}
