namespace ActorPresence.Cli.Tests;

/// <summary>Documents shaped as docs/api.md shows them.</summary>
public static class Samples
{
    public const string Device = """
        {"device": "PJSIP/1000", "state": "RINGINUSE",
         "views": [{"node": "pbx1", "state": "INUSE", "updatedAt": "2026-11-26T06:40:00.1234567+00:00"},
                   {"node": "pbx2", "state": "RINGING", "updatedAt": "2026-11-26T06:40:01.0000000+00:00"}]}
        """;

    public const string Mailbox = """
        {"mailbox": "1000@default", "new": 2, "old": 5, "urgent": 1, "writtenBy": "pbx1", "writtenAt": "2026-11-26T06:40:00+00:00"}
        """;

    public const string Presence = """
        {"presentity": "alice", "state": "away", "subtype": "", "message": "lunch", "writtenBy": "pbx2", "writtenAt": "2026-11-26T06:40:00+00:00"}
        """;

    public const string Cluster = """
        {"self": "pbx1", "selfAddress": "akka.tcp://actorpresence@127.0.0.1:4053",
         "leader": "akka.tcp://actorpresence@127.0.0.1:4054",
         "members": [
           {"node": "pbx1", "address": "akka.tcp://actorpresence@127.0.0.1:4053", "status": "Up", "reachable": true, "roles": ["telephony"]},
           {"node": "seed", "address": "akka.tcp://actorpresence@127.0.0.1:4054", "status": "Up", "reachable": true, "roles": []},
           {"node": "pbx2", "address": "akka.tcp://actorpresence@127.0.0.1:4055", "status": "Up", "reachable": false, "roles": ["telephony"]},
           {"node": "pbx3", "address": "akka.tcp://actorpresence@127.0.0.1:4056", "status": "Leaving", "reachable": true, "roles": ["telephony", "edge"]}]}
        """;

    public static string DeviceNamed(string id, string state = "INUSE") =>
        $$"""{"device": "{{id}}", "state": "{{state}}", "views": [{"node": "pbx1", "state": "{{state}}", "updatedAt": "2026-11-26T06:40:00+00:00"}]}""";

    public static string DevicePage(string? next, params string[] ids) =>
        $$"""{"items": [{{string.Join(", ", ids.Select(id => DeviceNamed(id)))}}], "next": {{(next is null ? "null" : $"\"{next}\"")}}}""";

    public static string Error(string message) => $$"""{"error": "{{message}}"}""";
}
