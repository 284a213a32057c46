namespace ActorPresence.Cli;

/// <summary>The node answered with a non-success status; <see cref="Exception.Message"/> is its <c>error</c> text.</summary>
internal sealed class NodeErrorException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}

/// <summary>The node could not be reached or did not answer in time; the message names the URL.</summary>
internal sealed class NodeUnreachableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>Arguments that parse but make no sense (a bad URL, a zero count).</summary>
internal sealed class UsageException(string message) : Exception(message);
