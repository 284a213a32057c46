using ActorPresence.Cli;

// Ctrl-C cancels the running verb (watch then ends with 0) instead of killing the process mid-write.
var interrupted = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = !interrupted.IsCancellationRequested;
    interrupted.Cancel();
};
return await CliApp.RunAsync(args, Console.Out, Console.Error, cancellationToken: interrupted.Token);
