using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ActorPresence.Cli;

/// <summary>
/// The HTTP side of apctl: one node, one request at a time, JSON in and out (docs/api.md).
/// Maps failures to exceptions the verbs turn into exit codes: an answered error to
/// <see cref="NodeErrorException"/>, no answer to <see cref="NodeUnreachableException"/>.
/// </summary>
internal sealed class NodeClient
{
    private const int MaxErrorBodyChars = 200;

    private readonly HttpClient _http;
    private readonly string _baseUrl;
    private readonly TimeSpan _timeout;

    public NodeClient(HttpClient http, Uri node, TimeSpan timeout)
    {
        _http = http;
        _baseUrl = node.AbsoluteUri.TrimEnd('/');
        _timeout = timeout;
    }

    public string BaseUrl => _baseUrl;

    /// <summary>Encodes one path segment; device ids contain '/', which must not split the path.</summary>
    public static string Segment(string value) => Uri.EscapeDataString(value);

    /// <summary>A query string of the parameters that have a value, or "" when none has.</summary>
    public static string Query(params (string Name, string? Value)[] parameters)
    {
        var parts = parameters
            .Where(p => p.Value is not null)
            .Select(p => $"{p.Name}={Uri.EscapeDataString(p.Value!)}")
            .ToArray();
        return parts.Length == 0 ? "" : "?" + string.Join('&', parts);
    }

    public Task<JsonElement> GetAsync(string path, CancellationToken ct) => SendAsync(HttpMethod.Get, path, null, ct);

    public Task<JsonElement> PostAsync(string path, JsonObject? body, CancellationToken ct) => SendAsync(HttpMethod.Post, path, body, ct);

    public Task<JsonElement> PutAsync(string path, JsonObject body, CancellationToken ct) => SendAsync(HttpMethod.Put, path, body, ct);

    public Task<JsonElement> DeleteAsync(string path, CancellationToken ct) => SendAsync(HttpMethod.Delete, path, null, ct);

    /// <summary>Sends a request and returns the answer's JSON; the whole exchange must finish within the timeout.</summary>
    public async Task<JsonElement> SendAsync(HttpMethod method, string path, JsonObject? body, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_timeout);
        try
        {
            using var request = CreateRequest(method, path, body);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
            var text = await response.Content.ReadAsStringAsync(timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                throw ErrorFrom(response, text);
            }
            return ParseJson(text);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw TimedOut();
        }
        catch (HttpRequestException e) when (e.StatusCode is null)
        {
            throw Unreachable(e);
        }
    }

    /// <summary>
    /// Opens a streaming GET (Server-Sent Events): the timeout covers only the answer's headers,
    /// the body is read until it ends or <paramref name="ct"/> is cancelled.
    /// </summary>
    public async Task<HttpResponseMessage> OpenStreamAsync(string path, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_timeout);
        HttpResponseMessage? response = null;
        try
        {
            using var request = CreateRequest(HttpMethod.Get, path, null);
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                var text = await response.Content.ReadAsStringAsync(timeout.Token);
                throw ErrorFrom(response, text);
            }
            var answer = response;
            response = null;
            return answer;
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw TimedOut();
        }
        catch (HttpRequestException e) when (e.StatusCode is null)
        {
            throw Unreachable(e);
        }
        finally
        {
            response?.Dispose();
        }
    }

    public NodeUnreachableException Unreachable(Exception e) =>
        new($"cannot reach node {_baseUrl}: {Innermost(e).Message}", e);

    private NodeUnreachableException TimedOut() =>
        new(FormattableString.Invariant($"node {_baseUrl} did not answer within {_timeout.TotalSeconds:0.###} s"));

    private HttpRequestMessage CreateRequest(HttpMethod method, string path, JsonObject? body)
    {
        var request = new HttpRequestMessage(method, new Uri(_baseUrl + path));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }
        return request;
    }

    private static JsonElement ParseJson(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new NodeErrorException(0, $"the answer is not JSON ({e.Message})");
        }
    }

    private static NodeErrorException ErrorFrom(HttpResponseMessage response, string text)
    {
        var status = (int)response.StatusCode;
        string? error = null;
        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("error", out var e)
                && e.ValueKind == JsonValueKind.String)
            {
                error = e.GetString();
            }
        }
        catch (JsonException)
        {
            // Not the node's JSON (a proxy's page, say): fall back to the reason and the start of the body.
        }
        if (string.IsNullOrEmpty(error))
        {
            var snippet = text.Trim();
            if (snippet.Length > MaxErrorBodyChars)
            {
                snippet = snippet[..MaxErrorBodyChars] + "…";
            }
            error = string.IsNullOrEmpty(snippet)
                ? response.ReasonPhrase ?? "error"
                : $"{response.ReasonPhrase}: {snippet}";
        }
        return new NodeErrorException(status, error);
    }

    private static Exception Innermost(Exception e)
    {
        while (e.InnerException is not null)
        {
            e = e.InnerException;
        }
        return e;
    }
}
