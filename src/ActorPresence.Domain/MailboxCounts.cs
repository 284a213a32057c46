namespace ActorPresence.Domain;

/// <summary>Message-waiting counts of a mailbox. None is negative and urgent messages are a subset of new ones.</summary>
public sealed record MailboxCounts
{
    public MailboxCounts(int @new, int old, int urgent = 0)
    {
        if (@new < 0)
        {
            throw new ValidationException("new", $"must not be negative (got {@new})");
        }
        if (old < 0)
        {
            throw new ValidationException("old", $"must not be negative (got {old})");
        }
        if (urgent < 0)
        {
            throw new ValidationException("urgent", $"must not be negative (got {urgent})");
        }
        if (urgent > @new)
        {
            throw new ValidationException("urgent", $"must not exceed new (urgent {urgent} > new {@new})");
        }
        New = @new;
        Old = old;
        Urgent = urgent;
    }

    public int New { get; }

    public int Old { get; }

    public int Urgent { get; }

    /// <summary>The message-waiting lamp: on while there is a new message.</summary>
    public bool MessageWaiting => New > 0;
}
