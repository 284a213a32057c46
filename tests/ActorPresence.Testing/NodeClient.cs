using System.Net;
using System.Text;
using System.Text.Json;

namespace ActorPresence.Testing;

/// <summary>A member as <c>GET /api/v1/cluster</c> reports it.</summary>
public sealed record MemberView(string? Node, string Address, string Status, bool Reachable);

/// <summary>One node's whole state as its list endpoints report it.</summary>
/// <param name="Devices">Device id → (node → that node's view).</param>
/// <param name="Mailboxes">Mailbox id → "new/old/urgent".</param>
/// <param name="Presence">Presentity id → "state:message".</param>
public sealed record StateSnapshot(
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, string>> Devices,
    IReadOnlyDictionary<string, string> Mailboxes,
    IReadOnlyDictionary<string, string> Presence);

/// <summary>The HTTP API of one node. A write returns only when the node answered 200 (acknowledged) and throws otherwise.</summary>
public sealed class NodeClient(Uri baseAddress) : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(10) };

    public Uri BaseAddress => baseAddress;

    public Task SetDeviceAsync(string device, string state, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Put, $"/api/v1/devices/{device}", $$"""{"state":"{{state}}"}""", ct);

    public Task WithdrawDeviceAsync(string device, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Delete, $"/api/v1/devices/{device}", null, ct);

    public Task SetMailboxAsync(string mailbox, int @new, int old, int urgent, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Put, $"/api/v1/mailboxes/{mailbox}", $$"""{"new":{{@new}},"old":{{old}},"urgent":{{urgent}}}""", ct);

    public Task SetPresenceAsync(string presentity, string state, string message, CancellationToken ct = default) =>
        SendAsync(HttpMethod.Put, $"/api/v1/presence/{presentity}", JsonSerializer.Serialize(new { state, message }), ct);

    private async Task SendAsync(HttpMethod method, string path, string? json, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }
        using var response = await _http.SendAsync(request, ct);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new HttpRequestException($"{method} {path} on {baseAddress}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}", null, response.StatusCode);
        }
    }

    /// <summary>A GET; null on 404.</summary>
    public async Task<JsonElement?> GetAsync(string path, CancellationToken ct = default)
    {
        using var response = await _http.GetAsync(path, ct);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct)).RootElement.Clone();
    }

    public async Task<IReadOnlyList<MemberView>> MembersAsync(CancellationToken ct = default)
    {
        var cluster = await GetAsync("/api/v1/cluster", ct) ?? throw new HttpRequestException("no cluster document");
        return cluster.GetProperty("members").EnumerateArray()
            .Select(m => new MemberView(m.GetProperty("node").GetString(), m.GetProperty("address").GetString()!,
                m.GetProperty("status").GetString()!, m.GetProperty("reachable").GetBoolean()))
            .ToList();
    }

    /// <summary>The names of the members this node sees Up and reachable, sorted; empty when it does not answer.</summary>
    public async Task<IReadOnlyList<string>> UpMembersAsync(CancellationToken ct = default)
    {
        try
        {
            return (await MembersAsync(ct)).Where(m => m.Status == "Up" && m.Reachable).Select(m => m.Node ?? m.Address).Order(StringComparer.Ordinal).ToList();
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return [];
        }
    }

    /// <summary>Every device, mailbox and presentity the node knows, read page by page.</summary>
    public async Task<StateSnapshot> SnapshotAsync(CancellationToken ct = default)
    {
        var devices = new Dictionary<string, IReadOnlyDictionary<string, string>>();
        foreach (var d in await ListAsync("devices", ct))
        {
            devices[d.GetProperty("device").GetString()!] = d.GetProperty("views").EnumerateArray()
                .ToDictionary(v => v.GetProperty("node").GetString()!, v => v.GetProperty("state").GetString()!);
        }
        var mailboxes = (await ListAsync("mailboxes", ct)).ToDictionary(
            m => m.GetProperty("mailbox").GetString()!,
            m => StateModel.Counts(m.GetProperty("new").GetInt32(), m.GetProperty("old").GetInt32(), m.GetProperty("urgent").GetInt32()));
        var presence = (await ListAsync("presence", ct)).ToDictionary(
            p => p.GetProperty("presentity").GetString()!,
            p => StateModel.PresenceValue(p.GetProperty("state").GetString()!, p.GetProperty("message").GetString()!));
        return new StateSnapshot(devices, mailboxes, presence);
    }

    private async Task<List<JsonElement>> ListAsync(string kind, CancellationToken ct)
    {
        var items = new List<JsonElement>();
        string? after = null;
        do
        {
            var page = await GetAsync($"/api/v1/{kind}?limit=1000{(after is null ? "" : "&after=" + Uri.EscapeDataString(after))}", ct)
                       ?? throw new HttpRequestException($"no list of {kind}");
            items.AddRange(page.GetProperty("items").EnumerateArray());
            after = page.TryGetProperty("next", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (after is not null);
        return items;
    }

    public void Dispose() => _http.Dispose();
}
