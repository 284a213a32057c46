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
            using var reader = new StreamReader(stream);
            string? name = null;
            var data = new List<string>();
            while (await reader.ReadLineAsync(_stop.Token) is { } line)
            {
                if (line.Length == 0)
                {
                    if (name is not null || data.Count > 0)
                    {
                        var parsed = JsonSerializer.Deserialize<JsonElement>(string.Join("\n", data), Documents.Json);
                        lock (_events)
                        {
                            _events.Add((name ?? "message", parsed));
                        }
                    }
                    name = null;
                    data.Clear();
                }
                else if (line.StartsWith("event:", StringComparison.Ordinal))
                {
                    name = line["event:".Length..].Trim();
                }
                else if (line.StartsWith("data:", StringComparison.Ordinal))
                {
                    data.Add(line["data:".Length..].TrimStart());
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
