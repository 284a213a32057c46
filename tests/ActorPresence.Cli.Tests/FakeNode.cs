using System.Net;
using System.Text;

namespace ActorPresence.Cli.Tests;

/// <summary>A request as the CLI sent it: method, path and query as they go on the wire, body.</summary>
public sealed record SentRequest(HttpMethod Method, Uri Uri, string? Body, string? ContentType, string? Authorization = null)
{
    public string PathAndQuery => Uri.PathAndQuery;
}

/// <summary>
/// Stands in for a node: records every request and answers from a script of responses, in order.
/// A request beyond the script fails the test with the request it did not expect.
/// </summary>
public sealed class FakeNode : HttpMessageHandler
{
    private readonly Queue<Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>>> _answers = new();

    public List<SentRequest> Requests { get; } = [];

    public SentRequest Single => Assert.Single(Requests);

    public FakeNode Answer(HttpStatusCode status, string json) =>
        AnswerWith((_, _) => Task.FromResult(new HttpResponseMessage(status)
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        }));

    public FakeNode Answer(string json) => Answer(HttpStatusCode.OK, json);

    /// <summary>Answers 200 with an event stream whose body is <paramref name="body"/>.</summary>
    public FakeNode AnswerStream(Stream body) =>
        AnswerWith((_, _) =>
        {
            var content = new StreamContent(body);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/event-stream");
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = content });
        });

    public FakeNode AnswerWith(Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> answer)
    {
        _answers.Enqueue(answer);
        return this;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        var sent = new SentRequest(request.Method, request.RequestUri!, body, request.Content?.Headers.ContentType?.MediaType, request.Headers.Authorization?.ToString());
        Requests.Add(sent);
        Assert.True(_answers.Count > 0, $"the CLI sent a request the test did not expect: {sent.Method} {sent.PathAndQuery}");
        return await _answers.Dequeue()(request, cancellationToken);
    }
}
