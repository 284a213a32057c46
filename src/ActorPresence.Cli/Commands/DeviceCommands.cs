using System.CommandLine;
using System.Text.Json.Nodes;
using ActorPresence.Cli.Output;
using ActorPresence.Domain;

namespace ActorPresence.Cli.Commands;

/// <summary><c>device show | list | set | withdraw</c>.</summary>
internal static class DeviceCommands
{
    public static Command Create(VerbRunner runner)
    {
        var showId = IdArgument();
        var show = new Command("show", "A device's aggregate state and every node's view of it") { showId };
        runner.Bind(show, async (context, parse, ct) =>
            context.Emit(await context.Node.GetAsync(PathOf(parse.GetValue(showId)), ct), Documents.WriteDevice));

        var prefix = Listing.PrefixArgument("devices");
        var limit = Listing.LimitOption();
        var list = new Command("list", "Devices in id order, following the node's pages") { prefix, limit };
        runner.Bind(list, async (context, parse, ct) =>
        {
            var (items, next) = await Listing.FetchAsync(context.Node, "devices", parse.GetValue(prefix), Listing.Limit(parse.GetValue(limit)), ct);
            return Listing.Emit(context, items, next, "device", Documents.WriteDeviceList);
        });

        var setId = IdArgument();
        var state = new Argument<string>("state")
        {
            Description = $"One of {string.Join(' ', DeviceStateNames.All.Select(s => s.ToName()))} (any case)",
        };
        var set = new Command("set", "Set the node's own view of a device; prints the device as it now is") { setId, state };
        runner.Bind(set, async (context, parse, ct) =>
        {
            var path = PathOf(parse.GetValue(setId));
            var body = new JsonObject { ["state"] = DeviceStateNames.Parse(parse.GetValue(state)).ToName() };
            return context.Emit(await context.Node.PutAsync(path, body, ct), Documents.WriteDevice);
        });

        var withdrawId = IdArgument();
        var withdraw = new Command("withdraw", "Withdraw the node's own view of a device; prints the device as it now is") { withdrawId };
        runner.Bind(withdraw, async (context, parse, ct) =>
            context.Emit(await context.Node.DeleteAsync(PathOf(parse.GetValue(withdrawId)), ct), Documents.WriteDevice));

        return new Command("device", "Device states: each node's view and their aggregate") { show, list, set, withdraw };
    }

    private static Argument<string> IdArgument() => new("id") { Description = "Device id, e.g. PJSIP/1000" };

    /// <summary>Validates the id as the node would and encodes it whole, '/' included.</summary>
    private static string PathOf(string? id) => "/api/v1/devices/" + NodeClient.Segment(new DeviceId(id!).Value);
}
