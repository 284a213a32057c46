using System.Net;
using System.Net.Sockets;

namespace ActorPresence.Cli.Tests;

public class GlobalOptionTests
{
    [Fact]
    public async Task The_default_node_is_127_0_0_1_port_5080()
    {
        var node = new FakeNode().Answer(Samples.Cluster);

        await Cli.RunAsync(node, "cluster", "show");

        Assert.Equal("http://127.0.0.1:5080/api/v1/cluster", node.Single.Uri.AbsoluteUri);
    }

    [Fact]
    public async Task The_environment_variable_names_the_node_when_no_option_does()
    {
        var node = new FakeNode().Answer(Samples.Cluster).Answer(Samples.Cluster);
        var environment = new Dictionary<string, string> { ["ACTORPRESENCE_NODE"] = "http://pbx2:6080" };

        await Cli.RunWithAsync(node, environment, default, "cluster", "show");
        await Cli.RunWithAsync(node, environment, default, "cluster", "show", "--node", "http://pbx3:7080");

        Assert.Equal(
            ["http://pbx2:6080/api/v1/cluster", "http://pbx3:7080/api/v1/cluster"],
            node.Requests.Select(r => r.Uri.AbsoluteUri));
    }

    [Fact]
    public async Task A_node_url_with_a_path_keeps_it_as_the_base_of_every_call()
    {
        var node = new FakeNode().Answer(Samples.Device);

        await Cli.RunAsync(node, "--node", "https://proxy.example/presence/", "device", "show", "PJSIP/1000");

        Assert.Equal("https://proxy.example/presence/api/v1/devices/PJSIP%2F1000", node.Single.Uri.AbsoluteUri);
    }

    [Theory]
    [InlineData("pbx1:5080")]
    [InlineData("ftp://pbx1/")]
    [InlineData("http://pbx1:5080/?x=1")]
    public async Task A_node_that_is_not_an_http_url_exits_2(string url)
    {
        var node = new FakeNode();

        var result = await Cli.RunAsync(node, "--node", url, "cluster", "show");

        Assert.Equal(2, result.ExitCode);
        Assert.Equal($"error: --node: must be an http:// or https:// URL such as http://127.0.0.1:5080 (got '{url}')\n", result.Err);
        Assert.Empty(node.Requests);
    }

    [Fact]
    public async Task A_refused_connection_exits_3_naming_the_url()
    {
        // A port that was free a moment ago: nothing listens there, so the connection is refused.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var result = await Cli.RunWithAsync(null, null, default, "--node", $"http://127.0.0.1:{port}", "cluster", "show");

        Assert.Equal(3, result.ExitCode);
        Assert.StartsWith($"error: cannot reach node http://127.0.0.1:{port}: ", result.Err);
        Assert.Equal("", result.Out);
    }

    [Fact]
    public async Task A_node_that_does_not_answer_in_time_exits_3_naming_the_url_and_the_timeout()
    {
        var node = new FakeNode().AnswerWith(async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            throw new InvalidOperationException("unreachable: the delay only ends by cancellation");
        });

        var result = await Cli.RunAsync(node, "--timeout", "0.2", "device", "show", "PJSIP/1000");

        Assert.Equal(3, result.ExitCode);
        Assert.Equal("error: node http://127.0.0.1:5080 did not answer within 0.2 s\n", result.Err);
    }

    [Fact]
    public async Task A_failure_below_http_exits_3()
    {
        var node = new FakeNode().AnswerWith((_, _) => throw new HttpRequestException("Name or service not known (pbx9:5080)"));

        var result = await Cli.RunAsync(node, "--node", "http://pbx9:5080", "cluster", "show");

        Assert.Equal(3, result.ExitCode);
        Assert.Equal("error: cannot reach node http://pbx9:5080: Name or service not known (pbx9:5080)\n", result.Err);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    public async Task A_timeout_that_is_not_positive_exits_2(string seconds)
    {
        var node = new FakeNode();

        var result = await Cli.RunAsync(node, "cluster", "show", "--timeout", seconds);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: --timeout: must be a positive number of seconds", result.Err);
    }

    [Fact]
    public async Task An_error_answer_that_is_not_the_nodes_json_is_shown_by_status_and_body()
    {
        var node = new FakeNode().AnswerWith((_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.BadGateway)
        {
            ReasonPhrase = "Bad Gateway",
            Content = new StringContent("<html>upstream down</html>"),
        }));

        var result = await Cli.RunAsync(node, "cluster", "show");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: 502 Bad Gateway: <html>upstream down</html>\n", result.Err);
    }

    [Fact]
    public async Task A_success_answer_that_is_not_json_exits_1()
    {
        var node = new FakeNode().AnswerWith((_, _) => Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new StringContent("hello"),
        }));

        var result = await Cli.RunAsync(node, "cluster", "show");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith("error: the answer is not JSON", result.Err);
    }

    [Theory]
    [InlineData("devices", "show")]
    [InlineData("device", "shw", "PJSIP/1000")]
    [InlineData("device", "show")]
    [InlineData("device", "show", "PJSIP/1000", "extra")]
    [InlineData("device")]
    [InlineData("cluster", "show", "--frobnicate")]
    public async Task Bad_arguments_exit_2_with_a_pointer_to_help(params string[] args)
    {
        var node = new FakeNode();

        var result = await Cli.RunAsync(node, args);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: ", result.Err);
        Assert.Matches(@"Run 'apctl( [a-z-]+)* --help' for usage\.\n$", result.Err);
        Assert.Empty(node.Requests);
    }

    [Fact]
    public async Task No_verb_at_all_exits_2()
    {
        var result = await Cli.RunAsync(new FakeNode());

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Run 'apctl --help' for usage.", result.Err);
    }

    [Theory]
    [InlineData("apctl", "--help")]
    [InlineData("apctl cluster", "cluster", "--help")]
    [InlineData("apctl cluster show", "cluster", "show", "--help")]
    [InlineData("apctl cluster leave <node>", "cluster", "leave", "--help")]
    [InlineData("apctl cluster down-unreachable", "cluster", "down-unreachable", "--help")]
    [InlineData("apctl xmpp", "xmpp", "--help")]
    [InlineData("apctl xmpp show", "xmpp", "show", "--help")]
    [InlineData("apctl device", "device", "--help")]
    [InlineData("apctl device show <id>", "device", "show", "--help")]
    [InlineData("apctl device list [<prefix>]", "device", "list", "--help")]
    [InlineData("apctl device set <id> <state>", "device", "set", "--help")]
    [InlineData("apctl device withdraw <id>", "device", "withdraw", "--help")]
    [InlineData("apctl mailbox show <id>", "mailbox", "show", "--help")]
    [InlineData("apctl mailbox list [<prefix>]", "mailbox", "list", "--help")]
    [InlineData("apctl mailbox set <id>", "mailbox", "set", "--help")]
    [InlineData("apctl presence show <id>", "presence", "show", "--help")]
    [InlineData("apctl presence list [<prefix>]", "presence", "list", "--help")]
    [InlineData("apctl presence set <id> <state>", "presence", "set", "--help")]
    [InlineData("apctl watch", "watch", "--help")]
    public async Task Every_verb_has_help(string usage, params string[] args)
    {
        var node = new FakeNode();

        var result = await Cli.RunAsync(node, args);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Usage:\n  " + usage, result.Out);
        Assert.Contains("--node <url>", result.Out);
        Assert.Empty(node.Requests);
    }

    [Fact]
    public async Task A_token_from_the_option_or_the_environment_is_sent_as_a_bearer_token()
    {
        var node = new FakeNode().Answer(Samples.Cluster).Answer(Samples.Cluster).Answer(Samples.Cluster);
        var environment = new Dictionary<string, string> { ["ACTORPRESENCE_TOKEN"] = "from-the-environment-123" };

        await Cli.RunAsync(node, "cluster", "show");
        await Cli.RunWithAsync(node, environment, default, "cluster", "show");
        await Cli.RunWithAsync(node, environment, default, "cluster", "show", "--token", "from-the-option-4567");

        Assert.Equal(
            [null, "Bearer from-the-environment-123", "Bearer from-the-option-4567"],
            node.Requests.Select(r => r.Authorization));
    }
}
