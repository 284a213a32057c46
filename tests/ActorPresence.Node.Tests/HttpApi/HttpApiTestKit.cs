using System.Net;
using System.Text;
using System.Text.Json;

namespace ActorPresence.Node.Tests;

/// <summary>The collection of the HTTP API tests: they share one node, so they run one after another.</summary>
[CollectionDefinition(Collection)]
public sealed class HttpApiNode : ICollectionFixture<HttpApiNodeFixture>
{
    public const string Collection = "HTTP API on one node";
}

/// <summary>One real single-node cluster for the HTTP API tests, Up before the first test runs.</summary>
public sealed class HttpApiNodeFixture : IAsyncLifetime
{
    public const string NodeName = "http-api";

    private TestNodeHost? _node;

    public TestNodeHost Node => _node ?? throw new InvalidOperationException("the node has not started");

    public async Task InitializeAsync()
    {
        _node = await TestNodeHost.StartAsync(NodeName);
        var ready = await HttpApiTestKit.PollReadyzAsync(_node.Http, TimeSpan.FromSeconds(60));
        if (ready.Status != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"the node did not become ready: {ready.Status} {ready.Text}");
        }
    }

    public async Task DisposeAsync()
    {
        if (_node is not null)
        {
            await _node.DisposeAsync();
        }
    }
}

/// <summary>
/// What the tests of the HTTP contract (docs/api.md) share: the node, requests, and assertions on
/// replies. Each test uses entity ids of its own, so the tests are independent although they share
/// the node.
/// </summary>
public abstract class HttpApiTestKit(HttpApiNodeFixture fixture)
{
    protected const string Self = HttpApiNodeFixture.NodeName;

    protected HttpClient Http => fixture.Node.Http;

    /// <summary>A response, read completely.</summary>
    public sealed record Reply(HttpStatusCode Status, string? MediaType, string Text)
    {
        public JsonElement Json()
        {
            try
            {
                using var doc = JsonDocument.Parse(Text);
                return doc.RootElement.Clone();
            }
            catch (JsonException e)
            {
                throw new Xunit.Sdk.XunitException($"the body is not JSON ({e.Message}): {Text}");
            }
        }

        public override string ToString() => $"{(int)Status} {Status} {MediaType}: {Text}";
    }

    protected static string Unique(string stem) => $"{stem}{Guid.NewGuid():N}";

    protected static string Q(string value) => Uri.EscapeDataString(value);

    protected static async Task<Reply> SendAsync(HttpClient http, HttpMethod method, string path, HttpContent? content = null, bool expectContinue = false)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (expectContinue)
        {
            request.Headers.ExpectContinue = true;
        }
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return new Reply(response.StatusCode, response.Content.Headers.ContentType?.MediaType, text);
    }

    protected Task<Reply> SendAsync(HttpMethod method, string path, string? json = null) =>
        SendAsync(Http, method, path, json is null ? null : new StringContent(json, Encoding.UTF8, "application/json"));

    protected Task<Reply> GetAsync(string path) => SendAsync(HttpMethod.Get, path);

    protected Task<Reply> PutAsync(string path, string json) => SendAsync(HttpMethod.Put, path, json);

    protected Task<Reply> DeleteAsync(string path) => SendAsync(HttpMethod.Delete, path);

    protected Task<Reply> PostAsync(string path, string? json = null) => SendAsync(HttpMethod.Post, path, json);

    /// <summary>Polls <c>/readyz</c> until it answers 200 or <paramref name="within"/> has passed; returns the last answer.</summary>
    public static async Task<Reply> PollReadyzAsync(HttpClient http, TimeSpan within)
    {
        using var deadline = new CancellationTokenSource(within);
        Reply last = new(HttpStatusCode.ServiceUnavailable, null, "never answered");
        while (true)
        {
            try
            {
                last = await SendAsync(http, HttpMethod.Get, "/readyz");
                if (last.Status == HttpStatusCode.OK)
                {
                    return last;
                }
                await Task.Delay(TimeSpan.FromMilliseconds(100), deadline.Token);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                return last;
            }
        }
    }

    protected static JsonElement AssertOk(Reply reply)
    {
        if (reply.Status != HttpStatusCode.OK)
        {
            Assert.Fail($"expected 200 OK, got {reply}");
        }
        Assert.Equal("application/json", reply.MediaType);
        return reply.Json();
    }

    /// <summary>The reply is <paramref name="status"/> with a JSON body <c>{"error": "..."}</c>; returns the message.</summary>
    protected static string AssertError(Reply reply, HttpStatusCode status)
    {
        if (reply.Status != status)
        {
            Assert.Fail($"expected {(int)status} {status}, got {reply}");
        }
        Assert.Equal("application/json", reply.MediaType);
        var body = reply.Json();
        Assert.Equal(JsonValueKind.Object, body.ValueKind);
        Assert.True(body.TryGetProperty("error", out var error), $"no \"error\" in {reply.Text}");
        Assert.Equal(JsonValueKind.String, error.ValueKind);
        var message = error.GetString()!;
        Assert.False(string.IsNullOrWhiteSpace(message), "the error message is empty");
        return message;
    }

    /// <summary>400 with an error whose message names <paramref name="field"/> (as <c>field: what is wrong</c>).</summary>
    protected static string AssertBadInput(Reply reply, string field)
    {
        var message = AssertError(reply, HttpStatusCode.BadRequest);
        Assert.True(message.StartsWith(field + ":", StringComparison.Ordinal), $"the error does not name '{field}': {message}");
        return message;
    }

    protected static string AssertNotFound(Reply reply, string mentions)
    {
        var message = AssertError(reply, HttpStatusCode.NotFound);
        Assert.Contains(mentions, message, StringComparison.Ordinal);
        return message;
    }

    protected static List<string> Ids(JsonElement list, string idField) =>
        list.GetProperty("items").EnumerateArray().Select(i => i.GetProperty(idField).GetString()!).ToList();

    protected static void AssertRecent(JsonElement timestamp)
    {
        var at = timestamp.GetDateTimeOffset();
        Assert.InRange(at, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(1));
    }
}
