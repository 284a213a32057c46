using System.Net;
using System.Text;

namespace ActorPresence.Benchmarks.Tests;

/// <summary>A node's HTTP API as a test wants it to behave: answering, answering 503, never answering, or gone.</summary>
internal sealed class FakeNode(Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> answer) : HttpMessageHandler
{
    private readonly List<string> _requests = [];

    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_requests)
            {
                return _requests.ToList();
            }
        }
    }

    public int Calls => Requests.Count;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        lock (_requests)
        {
            _requests.Add($"{request.Method} {request.RequestUri!.PathAndQuery}");
        }
        return await answer(request, cancellationToken);
    }

    public static FakeNode Answering(string json) =>
        new((_, _) => Task.FromResult(Json(HttpStatusCode.OK, json)));

    /// <summary>What an ActorPresence node answers when an actor did not reply in time.</summary>
    public static FakeNode Answering503() =>
        new((_, _) => Task.FromResult(Json(HttpStatusCode.ServiceUnavailable, """{"error":"the node did not answer in time"}""")));

    public static FakeNode NeverAnswering() =>
        new(async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            throw new InvalidOperationException("unreachable");
        });

    public static FakeNode Refusing() =>
        new((_, _) => throw new HttpRequestException("Connection refused (127.0.0.1:5081)"));

    public static HttpResponseMessage Json(HttpStatusCode status, string json) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    public AgentClient Client(string name, Func<string?>? processState = null) =>
        new(name, new HttpClient(this) { BaseAddress = new Uri("http://127.0.0.1:5080") }, processState);
}
