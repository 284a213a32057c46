using System.Text;
using System.Text.Json;
using ActorPresence.Domain;

namespace ActorPresence.Cli.Output;

/// <summary>Human renderings of the node's documents (docs/api.md, "Documents" and "Cluster").</summary>
internal static class Documents
{
    private static readonly JsonSerializerOptions Quoting = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>One line per peer site, then where the gateway runs; says so when the gateway did not answer
    /// or the site has no links.</summary>
    public static void WriteSites(TextWriter output, JsonElement sites)
    {
        var self = sites.Text("self");
        if (sites.TryGetProperty("peers", out var peers) && peers.ValueKind == JsonValueKind.Null)
        {
            output.WriteLine($"site {self}: its gateway did not answer (it may be moving to another node); try again");
            return;
        }
        var list = sites.Items("peers").ToList();
        if (list.Count == 0)
        {
            output.WriteLine($"site {self}: no site links (no federation port, or no peers)");
            return;
        }
        var table = new TextTable("SITE", "STATE", "SINCE", "LAST SEEN", "IN", "OUT", "LAG");
        foreach (var peer in list)
        {
            var lag = peer.Text("lagMs");
            table.Add(
                peer.Text("site"),
                peer.Text("state"),
                peer.Text("since"),
                peer.Text("lastSeen") is { Length: > 0 } seen ? seen : "never",
                peer.Text("entitiesIn"),
                peer.Text("entitiesOut"),
                lag.Length == 0 ? "-" : $"{lag} ms");
        }
        table.WriteTo(output);
        var connected = list.Count(p => p.Text("state") == "connected");
        output.WriteLine($"site {self}, gateway on {sites.Text("gateway")}: {Count(list.Count, "peer")}, {connected} connected");
    }

    /// <summary>The bridge's line, then one line per Asterisk EID it has seen and a count by state; says so
    /// when the bridge is off, or when it has not reported (no answer, or not started yet).</summary>
    public static void WriteXmpp(TextWriter output, JsonElement xmpp)
    {
        if (xmpp.Bool("enabled") is not true)
        {
            output.WriteLine("the XMPP bridge is off on this node (turn it on with --xmpp)");
            return;
        }
        var state = xmpp.Text("state");
        new TextTable("STATE", "SINCE", "SERVER", "JID", "EID", "BRIDGE NODE", "IN", "OUT", "REFUSED", "PENDING", "LAST ERROR")
            .Add(
                state,
                OrDash(xmpp.Text("since")),
                xmpp.Text("server"),
                xmpp.Text("jid"),
                xmpp.Text("eid"),
                OrDash(xmpp.Text("bridge")),
                xmpp.Text("itemsIn"),
                xmpp.Text("itemsOut"),
                xmpp.Text("refused"),
                xmpp.Text("pending"),
                OrDash(xmpp.Text("lastError")))
            .WriteTo(output);
        output.WriteLine();
        switch (state)
        {
            case "unreachable":
                output.WriteLine("the bridge did not answer (it may be moving to another node); try again");
                return;
            case "starting":
                output.WriteLine("the bridge has not started yet; try again");
                return;
        }
        var eids = xmpp.Items("eids").ToList();
        if (eids.Count == 0)
        {
            output.WriteLine("no Asterisk EID seen yet");
            return;
        }
        var table = new TextTable("EID", "ACCOUNT", "STATE", "SINCE", "DEVICES", "IN");
        foreach (var eid in eids)
        {
            table.Add(eid.Text("eid"), eid.Text("account"), eid.Text("state"), eid.Text("since"), eid.Text("devices"), eid.Text("itemsIn"));
        }
        table.WriteTo(output);
        int InState(string s) => eids.Count(e => e.Text("state") == s);
        output.WriteLine($"{Count(eids.Count, "Asterisk EID")}: {InState("online")} online, {InState("stale")} stale, {InState("withdrawn")} withdrawn, {InState("unknown")} unknown");
    }

    public static void WriteCluster(TextWriter output, JsonElement cluster)
    {
        var self = cluster.Text("selfAddress");
        var leader = cluster.Text("leader");
        var members = cluster.Items("members").ToList();
        var table = new TextTable("NODE", "ADDRESS", "ROLES", "STATUS", "REACHABLE");
        foreach (var member in members)
        {
            var address = member.Text("address");
            var marks = new List<string>();
            if (address.Length > 0 && address == leader)
            {
                marks.Add("leader");
            }
            if (address.Length > 0 && address == self)
            {
                marks.Add("self");
            }
            var node = member.Text("node");
            var roles = member.Items("roles").Select(r => r.ValueKind == JsonValueKind.String ? r.GetString() : r.GetRawText()).ToList();
            table.Add(
                marks.Count == 0 ? node : $"{node} ({string.Join(", ", marks)})",
                address,
                roles.Count == 0 ? "-" : string.Join(",", roles),
                member.Text("status"),
                member.Bool("reachable") is false ? "no" : "yes");
        }
        table.WriteTo(output);
        var up = members.Count(m => string.Equals(m.Text("status"), "Up", StringComparison.OrdinalIgnoreCase));
        var unreachable = members.Count(m => m.Bool("reachable") is false);
        output.WriteLine($"{Count(members.Count, "member")}, {up} up, {unreachable} unreachable");
    }

    public static void WriteDevice(TextWriter output, JsonElement device)
    {
        new TextTable()
            .Add("device", device.Text("device"))
            .Add("state", device.Text("state"))
            .WriteTo(output);
        output.WriteLine();
        var views = device.Items("views").ToList();
        if (views.Count == 0)
        {
            output.WriteLine("no node has a view of this device");
            return;
        }
        var table = new TextTable("NODE", "STATE", "UPDATED AT");
        foreach (var view in views)
        {
            table.Add(view.Text("node"), view.Text("state"), view.Text("updatedAt"));
        }
        table.WriteTo(output);
    }

    public static void WriteDeviceList(TextWriter output, IReadOnlyList<JsonElement> devices)
    {
        var table = new TextTable("DEVICE", "STATE", "VIEWS");
        foreach (var device in devices)
        {
            table.Add(device.Text("device"), device.Text("state"), Views(device));
        }
        table.WriteTo(output);
    }

    public static void WriteMailbox(TextWriter output, JsonElement mailbox) =>
        new TextTable()
            .Add("mailbox", mailbox.Text("mailbox"))
            .Add("new", mailbox.Text("new"))
            .Add("old", mailbox.Text("old"))
            .Add("urgent", mailbox.Text("urgent"))
            .Add("written by", mailbox.Text("writtenBy"))
            .Add("written at", mailbox.Text("writtenAt"))
            .WriteTo(output);

    public static void WriteMailboxList(TextWriter output, IReadOnlyList<JsonElement> mailboxes)
    {
        var table = new TextTable("MAILBOX", "NEW", "OLD", "URGENT", "WRITTEN BY", "WRITTEN AT");
        foreach (var m in mailboxes)
        {
            table.Add(m.Text("mailbox"), m.Text("new"), m.Text("old"), m.Text("urgent"), m.Text("writtenBy"), m.Text("writtenAt"));
        }
        table.WriteTo(output);
    }

    public static void WritePresence(TextWriter output, JsonElement presence) =>
        new TextTable()
            .Add("presentity", presence.Text("presentity"))
            .Add("state", presence.Text("state"))
            .Add("subtype", presence.Text("subtype"))
            .Add("message", presence.Text("message"))
            .Add("written by", presence.Text("writtenBy"))
            .Add("written at", presence.Text("writtenAt"))
            .WriteTo(output);

    public static void WritePresenceList(TextWriter output, IReadOnlyList<JsonElement> presences)
    {
        var table = new TextTable("PRESENTITY", "STATE", "SUBTYPE", "MESSAGE", "WRITTEN BY", "WRITTEN AT");
        foreach (var p in presences)
        {
            table.Add(p.Text("presentity"), p.Text("state"), p.Text("subtype"), p.Text("message"), p.Text("writtenBy"), p.Text("writtenAt"));
        }
        table.WriteTo(output);
    }

    /// <summary>
    /// One line for one event of the stream, e.g.
    /// <c>device PJSIP/1000 RINGINUSE [pbx1=INUSE pbx2=RINGING] from pbx2</c>.
    /// </summary>
    public static string EventLine(string kind, JsonElement data)
    {
        var value = data.ValueKind == JsonValueKind.Object && data.TryGetProperty("value", out var v) ? v : default;
        var line = new StringBuilder();
        line.Append(kind).Append(' ').Append(data.Text("id")).Append(' ');
        switch (EntityKinds.TryParse(kind, out var parsed) ? parsed : (EntityKind?)null)
        {
            case EntityKind.Device:
                line.Append(value.Text("state")).Append(" [").Append(Views(value, "no views")).Append(']');
                break;
            case EntityKind.Mailbox:
                line.Append($"new={value.Text("new")} old={value.Text("old")} urgent={value.Text("urgent")}");
                break;
            case EntityKind.Presence:
                line.Append(value.Text("state"));
                if (value.Text("subtype") is { Length: > 0 } subtype)
                {
                    line.Append(" subtype=").Append(subtype);
                }
                if (value.Text("message") is { Length: > 0 } message)
                {
                    line.Append(" message=").Append(JsonSerializer.Serialize(message, Quoting));
                }
                break;
            default:
                line.Append(value.ValueKind == JsonValueKind.Undefined ? data.GetRawText() : value.GetRawText());
                break;
        }
        if (data.Text("origin") is { Length: > 0 } origin)
        {
            line.Append(" from ").Append(origin);
        }
        if (data.Bool("initial") is true)
        {
            line.Append(" (initial)");
        }
        return line.ToString();
    }

    public static string Count(int n, string noun) => n == 1 ? $"1 {noun}" : $"{n} {noun}s";

    private static string OrDash(string text) => text.Length == 0 ? "-" : text;

    private static string Views(JsonElement device, string none = "") =>
        device.Items("views").Select(view => $"{view.Text("node")}={view.Text("state")}").ToList() is { Count: > 0 } views
            ? string.Join(' ', views)
            : none;
}
