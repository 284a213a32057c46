using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace ActorPresence.Benchmarks;

/// <summary>A call to a node that did not succeed; the message names the node, the call's purpose and what happened.</summary>
public sealed class NodeCallException(string node, string purpose, HttpStatusCode? status, string message, Exception? inner = null, bool processGone = false)
    : Exception(message, inner)
{
    /// <summary>The node's process has exited: waiting longer will not help.</summary>
    public bool ProcessGone { get; } = processGone;

    public string Node { get; } = node;

    public string Purpose { get; } = purpose;

    /// <summary>The status the node answered with; null when it did not answer.</summary>
    public HttpStatusCode? Status { get; } = status;
}

/// <summary>A node's process has exited when the harness needed it, e.g. "n2 exited with code 137".</summary>
public sealed class NodeDownException(string message) : Exception(message);

/// <summary>
/// The coordinator's side of one node's HTTP API. Every call is bounded in time, and every failure
/// (an error status, no answer in time, no connection) becomes a <see cref="NodeCallException"/>
/// that says which node, for what, and what went wrong, e.g. "n2 answered 503 to the convergence
/// check: the node did not answer in time".
/// </summary>
public sealed class AgentClient : IDisposable
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    private readonly HttpClient _http;
    private readonly Func<string?> _processState;

    /// <param name="processState">Why the node cannot answer when its process is gone (e.g. "exited with code 137"), else null.</param>
    public AgentClient(string name, HttpClient http, Func<string?>? processState = null)
    {
        Name = name;
        _http = http;
        _http.Timeout = Timeout.InfiniteTimeSpan; // each call brings its own bound
        _processState = processState ?? (() => null);
    }

    public string Name { get; }

    public Uri? BaseAddress => _http.BaseAddress;

    public async Task<T> GetAsync<T>(string path, string? purpose = null, TimeSpan? timeout = null)
    {
        var body = await SendAsync(HttpMethod.Get, path, null, purpose, timeout);
        return Parse<T>(body, path, purpose);
    }

    public async Task<T> PostAsync<T>(string path, object body, string? purpose = null, TimeSpan? timeout = null)
    {
        var answer = await SendAsync(HttpMethod.Post, path, body, purpose, timeout);
        return Parse<T>(answer, path, purpose);
    }

    public async Task PostAsync(string path, object body, string? purpose = null, TimeSpan? timeout = null) =>
        await SendAsync(HttpMethod.Post, path, body, purpose, timeout);

    /// <summary>Members this node sees Up and reachable; 0 when it cannot tell (not answering, not running).</summary>
    public async Task<int> UpMembersAsync(TimeSpan? timeout = null)
    {
        try
        {
            var cluster = await GetAsync<JsonElement>("/api/v1/cluster", "the cluster membership check", timeout ?? TimeSpan.FromSeconds(10));
            return cluster.GetProperty("members").EnumerateArray()
                .Count(m => m.GetProperty("status").GetString() == "Up" && m.GetProperty("reachable").GetBoolean());
        }
        catch (NodeCallException)
        {
            return 0;
        }
        catch (Exception e) when (e is KeyNotFoundException or InvalidOperationException)
        {
            return 0; // not the membership document (yet)
        }
    }

    private async Task<string> SendAsync(HttpMethod method, string path, object? body, string? purpose, TimeSpan? timeout)
    {
        var what = purpose ?? path;
        var limit = timeout ?? DefaultTimeout;
        using var cts = new CancellationTokenSource(limit);
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, body.GetType(), options: Agent.Json);
        }
        try
        {
            using var response = await _http.SendAsync(request, cts.Token);
            var text = await response.Content.ReadAsStringAsync(cts.Token);
            if (!response.IsSuccessStatusCode)
            {
                throw new NodeCallException(Name, what, response.StatusCode,
                    $"{Name} answered {(int)response.StatusCode} to {what}: {ErrorText(text)}");
            }
            return text;
        }
        catch (OperationCanceledException e) when (cts.IsCancellationRequested)
        {
            throw new NodeCallException(Name, what, null, $"{Name} did not answer {what} within {Seconds(limit)}{Down()}", e, Gone());
        }
        catch (HttpRequestException e)
        {
            throw new NodeCallException(Name, what, null, $"{Name} could not be reached for {what}: {e.Message}{Down()}", e, Gone());
        }
        catch (IOException e)
        {
            throw new NodeCallException(Name, what, null, $"{Name} broke the connection during {what}: {e.Message}{Down()}", e, Gone());
        }
    }

    private T Parse<T>(string text, string path, string? purpose)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(text, Agent.Json) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new NodeCallException(Name, purpose ?? path, HttpStatusCode.OK, $"{Name} gave an unreadable answer to {purpose ?? path}: {e.Message}", e);
        }
    }

    private bool Gone() => _processState() is not null;

    private string Down() => _processState() is { } state ? $" ({Name} {state})" : "";

    /// <summary>The node's <c>{"error": "..."}</c>, or the start of whatever else it sent.</summary>
    private static string ErrorText(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.String)
            {
                return error.GetString()!;
            }
        }
        catch (JsonException)
        {
        }
        var trimmed = body.Trim();
        return trimmed.Length == 0 ? "(empty body)" : trimmed.Length > 200 ? trimmed[..200] + "…" : trimmed;
    }

    private static string Seconds(TimeSpan t) => t.TotalSeconds >= 1 ? $"{t.TotalSeconds:0.#} s" : $"{t.TotalMilliseconds:0} ms";

    public void Dispose() => _http.Dispose();
}
