namespace ActorPresence.Cli;

/// <summary>The exit codes of apctl; scripts depend on them, so they never change meaning.</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The node answered with an error (4xx/5xx); its <c>error</c> message went to stderr.</summary>
    public const int NodeError = 1;

    /// <summary>Bad arguments: unknown verb or option, invalid id, state or count.</summary>
    public const int Usage = 2;

    /// <summary>The node could not be reached, or did not answer in time.</summary>
    public const int Unreachable = 3;

    /// <summary>Interrupted (Ctrl-C) during a one-shot request; <c>watch</c> ends with 0 instead.</summary>
    public const int Interrupted = 130;
}
