using System.Net.ServerSentEvents;
using System.Text.Json;
using ActorPresence.Node.Api;

namespace ActorPresence.Node.Tests;

/// <summary>Reads a Server-Sent Events stream in the background and keeps what it got.</summary>
public sealed class SseClient : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<(string Event, JsonElement Data)> _events = [];
    private readonly Task _reader;

    private SseClient(HttpClient http, HttpResponseMessage response)
    {
        _http = http;
        Response = response;
        _reader = Task.Run(ReadAsync);
    }

    public HttpResponseMessage Response { get; }

    /// <summary>True once the server ended the stream.</summary>
    public bool Ended { get; private set; }

    public IReadOnlyList<(string Event, JsonElement Data)> Events
    {
        get
        {
            lock (_events)
            {
                return _events.ToList();
            }
        }
    }

    public static async Task<SseClient> ConnectAsync(Uri baseAddress, string pathAndQuery)
    {
        var http = new HttpClient { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };
        var response = await http.GetAsync(pathAndQuery, HttpCompletionOption.ResponseHeadersRead);
        return new SseClient(http, response);
    }

    private async Task ReadAsync()
    {
        try
        {
            await using var stream = await Response.Content.ReadAsStreamAsync(_stop.Token);
            // The parser the CLI uses: one item per dispatched event, its data lines joined.
            await foreach (var item in SseParser.Create(stream).EnumerateAsync(_stop.Token))
            {
                var parsed = JsonSerializer.Deserialize<JsonElement>(item.Data, Documents.Json);
                lock (_events)
                {
                    _events.Add((item.EventType, parsed));
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException)
        {
        }
        Ended = true;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _reader.WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default);
        Response.Dispose();
        _http.Dispose();
        _stop.Dispose();
    }
}
