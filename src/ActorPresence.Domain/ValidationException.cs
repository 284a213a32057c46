namespace ActorPresence.Domain;

/// <summary>
/// Input that breaks a rule of the domain. The message names the field and the rule, so an HTTP
/// caller or a host's log gets something it can act on.
/// </summary>
public sealed class ValidationException : ArgumentException
{
    public ValidationException(string field, string rule)
        : base($"{field}: {rule}", field)
    {
        Field = field;
        Rule = rule;
    }

    public string Field { get; }

    public string Rule { get; }

    public override string Message => $"{Field}: {Rule}";
}
